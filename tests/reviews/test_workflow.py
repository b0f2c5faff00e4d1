"""The workflow table (reviews.workflow) and the services that enforce it.

The table is checked for completeness, then every row is run against its service from every state: the
service refuses exactly the states the table refuses, with the table's words, and lets the others
through (a refusal for another reason, such as a missing note, is not a state refusal).
"""

from __future__ import annotations

import datetime as dt
import re
import string
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.utils import timezone

from reviews import workflow
from reviews.exceptions import ApplicationError, InvalidTransition, LeaseNotHeld, NotAllowed
from reviews.models import (
    Article,
    ArticleStatus,
    Citation,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    ConflictKind,
    EventAction,
    MatchStatus,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.roles import is_editor, is_reviewer, reviewers
from reviews.services import articles, claims, conflicts, extraction_runs, matching, queue, verdicts
from reviews.services.verdicts import CitationInput, VerdictInput
from reviews.workflow import ACTIONS, Kind, Role
from tests.factories import ArticleFactory, ClaimFactory, ReviewTaskFactory, UserFactory, rating
from tests.reviews.matching_fixtures import link

GOOD = VerdictInput(
    rating="mostly-false",
    summary="The figure is from 2012, not 2016.",
    citations=(CitationInput(url="https://example.org/report", title="Report"),),
)


# --- the table --------------------------------------------------------------------------------------


def _blanks(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# Each kind's states as the models define them (a conflict's is its `resolved` flag).
MODEL_STATES = {
    Kind.TASK: set(TaskStatus.values),
    Kind.VERDICT: set(VerdictStatus.values),
    Kind.ARTICLE: set(ArticleStatus.values),
    Kind.CLAIM: set(ClaimStatus.values),
    Kind.MATCH: set(MatchStatus.values),
    Kind.CONFLICT: {"open", "resolved"},
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_is_complete(name: str) -> None:
    act = ACTIONS[name]
    states = MODEL_STATES[act.kind]
    assert set(workflow.STATES[act.kind]) == states
    assert act.name.startswith(f"{act.kind.value}.")
    assert act.roles, "somebody must be able to take it"
    assert act.verb
    assert act.label
    assert act.from_states <= states
    assert act.to_state is None or act.to_state in states
    assert act.to_states <= states
    assert set(act.hints) <= states - act.from_states, "hints are for refused states only"
    # Every action has a refusal for each state it does not start from, and a sentence for each condition.
    assert act.state_reason().strip()
    assert _blanks(act.state_reason()) <= {"pk", "phrase", "claim"}
    for condition in act.conditions.values():
        assert condition.message.strip()
    if Role.EDITOR in act.roles:
        assert act.editor_phrase, "an editor's action says who may take it when refused"


def test_every_verdict_state_reads_in_a_refusal() -> None:
    assert set(workflow.VERDICT_PHRASES) == {s.value for s in VerdictStatus}


def test_states_allowing_follows_the_models_order() -> None:
    assert workflow.states_allowing("task.cancel") == ["available", "leased", "returned"]
    assert workflow.states_allowing("verdict.edit") == ["submitted", "returned"]
    assert workflow.states_allowing("match.reject") == ["suggested", "confirmed"]
    assert workflow.states_allowing("conflict.resolve") == ["open"]


def test_the_queue_takes_work_from_the_lease_rows_states() -> None:
    lease_from = workflow.LEASE_FROM
    assert ACTIONS["task.lease"].from_states == set(lease_from)
    assert (lease_from.queue, lease_from.returned) == ("available", "returned")
    # A lease that ran out is expired back to where the queue takes work from, as one given up is.
    assert workflow.states_allowing("task.expire") == [lease_from.expired]
    for name in ("task.expire", "task.release", "task.release_by_editor"):
        assert ACTIONS[name].to_states == {lease_from.queue, lease_from.returned}
    # The queue reads them once, at import (its hot path computes nothing per request).
    assert (lease_from.queue, lease_from.returned) == (queue._QUEUED, queue._RETURNED)


def test_pages_ask_the_table_which_state_an_object_is_in() -> None:
    from reviews.templatetags.workflow_states import in_state_after

    published, superseded = Verdict(status=VerdictStatus.PUBLISHED), Verdict(status=VerdictStatus.SUPERSEDED)
    assert workflow.in_state_after("verdict.publish", published)
    assert not workflow.in_state_after("verdict.publish", superseded)
    assert workflow.in_state_after("verdict.correct", superseded)
    assert workflow.in_state_after("match.confirm", ClaimMatch(status=MatchStatus.CONFIRMED))
    assert in_state_after(published, "verdict.publish")
    assert not in_state_after(None, "verdict.publish")
    assert workflow.returned_to_reviewer(ReviewTask(status=TaskStatus.RETURNED))
    assert not workflow.returned_to_reviewer(ReviewTask(status=TaskStatus.AVAILABLE))


def test_the_refusals_read_the_same_in_the_api_schema() -> None:
    described = workflow.refusals_described("task.skip")
    for message in [*workflow.LEASE_CONDITIONS.values(), ACTIONS["task.skip"].conditions["returned"].message]:
        assert message.replace("{pk}", "<pk>").replace("{expired_at:%H:%M:%S}", "<expired_at>") in described
    assert described.count("You do not hold task") == 1
    assert workflow.state_rule("match.confirm") == "Only suggested or rejected ones can be confirmed"
    assert workflow.role_refusal_described("conflict.resolve") == "Only editors can resolve conflicts."


def test_the_groups_of_states_the_rules_speak_of_are_named_once() -> None:
    assert workflow.VERDICT_IN_PROGRESS == ("draft", "submitted", "returned")
    # A scorecard's "in review" claims; available tasks count as queued.
    assert workflow.TASK_IN_REVIEW == ("leased", "submitted", "returned")
    assert workflow.TASK_WITH_REVIEWER == ("submitted", "returned")
    assert workflow.VERDICT_HOLDING_CLAIM == ("draft", "submitted", "returned", "published")
    # A reviewer's history: what they sent to an editor, never a draft.
    assert workflow.VERDICT_SENT == ("submitted", "returned", "published", "superseded", "retracted")


def test_services_take_the_state_an_action_leads_to_from_the_table() -> None:
    assert workflow.target("task.submit") == TaskStatus.SUBMITTED
    assert workflow.target("conflict.resolve") == workflow.CONFLICT_RESOLVED
    # The row's one target may be named; it must be that one.
    assert workflow.target("verdict.publish", to=VerdictStatus.PUBLISHED) == VerdictStatus.PUBLISHED
    # A row with several targets: the service picks one of them, and must say which.
    assert workflow.target("task.release", to=TaskStatus.RETURNED) == TaskStatus.RETURNED
    assert workflow.target("verdict.save_draft", to=VerdictStatus.DRAFT) == VerdictStatus.DRAFT
    # The review task a verdict action moves.
    assert workflow.task_target("verdict.publish") == TaskStatus.DONE
    assert workflow.task_target("verdict.return") == TaskStatus.RETURNED
    assert workflow.task_target("verdict.write") == TaskStatus.SUBMITTED


@pytest.mark.parametrize(
    ("name", "to", "message"),
    [
        ("task.fly", None, "'task.fly' is not an action of the workflow table."),
        ("task.heartbeat", None, "task.heartbeat leaves the state as it is; it leads nowhere."),
        ("task.release", None, "task.release leads to available or returned: say which with `to`."),
        ("task.release", TaskStatus.DONE, "task.release cannot lead to done, only to available or returned."),
        ("task.submit", TaskStatus.DONE, "task.submit cannot lead to done, only to submitted."),
    ],
)
def test_a_target_the_table_does_not_give_is_a_mistake(name: str, to: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$") as raised:
        workflow.target(name, to=to)
    assert not isinstance(raised.value, ApplicationError), "never a refusal a user is shown"


def test_the_extraction_workers_moves_are_system_actions_from_pending() -> None:
    pending, ready, failed = ArticleStatus.PENDING, ArticleStatus.READY, ArticleStatus.FAILED
    extract, fail = ACTIONS["article.extract"], ACTIONS["article.extract_fail"]
    assert (extract.roles, extract.from_states, extract.to_state) == ({Role.SYSTEM}, {pending}, ready)
    assert (fail.roles, fail.from_states, fail.to_state) == ({Role.SYSTEM}, {pending}, failed)
    assert (workflow.target("article.extract"), workflow.target("article.extract_fail")) == (ready, failed)
    # What the editors' retry sends back to the worker is what the worker takes.
    assert workflow.target("article.extract_retry") in extract.from_states
    # Never an editor's button: the desk offers re-extraction only.
    waiting = Article(status=pending)
    assert [a.name for a in workflow.actions_for(waiting, role=Role.SYSTEM)] == [
        "article.extract",
        "article.extract_fail",
    ]
    assert [a.name for a in workflow.actions_for(waiting, role=Role.EDITOR)] == ["article.reextract"]


def test_the_table_refuses_re_extracting_an_exhausted_article_in_a_request(settings: Any) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 3
    exhausted = Article(pk=7, status=ArticleStatus.FAILED, extract_attempts=3)
    assert not workflow.allowed("article.reextract", exhausted, role=Role.EDITOR)
    refused = workflow.refusal("article.reextract", exhausted, role=Role.EDITOR)
    assert isinstance(refused, InvalidTransition)
    assert refused.message == (
        "Article 7 cannot be re-extracted here: its extraction never finished on a worker. "
        "Retry its extraction instead."
    )
    # A run left, or refused by the extractor on its first: re-extraction may still be tried here.
    assert workflow.allowed(
        "article.reextract", Article(status=ArticleStatus.FAILED, extract_attempts=2), role=Role.EDITOR
    )


def test_only_verdict_actions_move_a_review_task_and_to_a_task_state() -> None:
    moving = {act.name: act.task_to for act in ACTIONS.values() if act.task_to is not None}
    assert moving == {"verdict.publish": "done", "verdict.return": "returned", "verdict.write": "submitted"}


@pytest.mark.parametrize("name", ["task.submit", "verdict.edit", "verdict.nope"])
def test_only_verdict_actions_that_move_their_task_have_a_task_target(name: str) -> None:
    with pytest.raises(ValueError, match="is not a verdict action that moves its review task"):
        workflow.task_target(name)


# --- objects in every state -------------------------------------------------------------------------


def _user(name: str, group: str | None = None, **fields: Any) -> User:
    user = UserFactory.create(username=name, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def task_in(status: str, *, holder: User) -> ReviewTask:
    """A task in `status`, its lease (when leased) held by `holder`, unexpired."""
    fields: dict[str, Any] = {"status": status}
    if status == TaskStatus.LEASED:
        fields |= {
            "lease_holder": holder,
            "lease_token": uuid.uuid4(),
            "lease_expires_at": timezone.now() + dt.timedelta(minutes=10),
        }
    if status in (TaskStatus.SUBMITTED, TaskStatus.RETURNED, TaskStatus.DONE):
        fields["reviewer"] = holder
    return ReviewTaskFactory.create(**fields)


def verdict_in(status: str, *, reviewer: User) -> Verdict:
    """A verdict in `status` on a claim of its own, rated and cited as publication needs, with a task."""
    task_statuses: dict[str, str] = {
        VerdictStatus.DRAFT: TaskStatus.LEASED,
        VerdictStatus.SUBMITTED: TaskStatus.SUBMITTED,
        VerdictStatus.RETURNED: TaskStatus.RETURNED,
        VerdictStatus.ABANDONED: TaskStatus.AVAILABLE,
    }
    task_status = task_statuses.get(status, TaskStatus.DONE)
    task = task_in(task_status, holder=reviewer)
    now = timezone.now()
    fields: dict[str, Any] = {}
    if status in (VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED):
        fields["published_at"] = now
    if status == VerdictStatus.RETRACTED:
        fields["retracted_at"] = now
    verdict = Verdict.objects.create(
        claim=task.claim,
        task=task,
        reviewer=reviewer,
        rating=rating("mostly-false"),
        summary="The figure is from 2012.",
        status=status,
        **fields,
    )
    Citation.objects.create(verdict=verdict, url="https://example.org/report")
    return verdict


# --- every row against its service, from every state -------------------------------------------------

Call = Callable[[Any, User, User], object]

TASK_CALLS: dict[str, Call] = {
    "task.heartbeat": lambda t, ed, rev: queue.task_heartbeat(
        task_id=t.pk, reviewer=rev, lease_token=t.lease_token
    ),
    "task.save_draft": lambda t, ed, rev: queue.task_save_draft(
        task_id=t.pk, reviewer=rev, lease_token=t.lease_token, data=GOOD
    ),
    "task.submit": lambda t, ed, rev: queue.task_submit(
        task_id=t.pk, reviewer=rev, lease_token=t.lease_token, data=GOOD
    ),
    "task.release": lambda t, ed, rev: queue.task_release(
        task_id=t.pk, reviewer=rev, lease_token=t.lease_token
    ),
    "task.skip": lambda t, ed, rev: queue.task_skip(
        task_id=t.pk, reviewer=rev, lease_token=t.lease_token, reason="Not my field."
    ),
    "task.assign": lambda t, ed, rev: queue.task_assign(task_id=t.pk, editor=ed, reviewer=rev),
    "task.release_by_editor": lambda t, ed, rev: queue.task_release_by_editor(task_id=t.pk, editor=ed),
    "task.requeue": lambda t, ed, rev: queue.task_requeue(task_id=t.pk, editor=ed),
    "task.cancel": lambda t, ed, rev: queue.task_cancel(task_id=t.pk, editor=ed),
    "task.raise_priority": lambda t, ed, rev: queue.task_raise_priority(task_id=t.pk, editor=ed),
}
VERDICT_CALLS: dict[str, Call] = {
    "verdict.publish": lambda v, ed, rev: verdicts.verdict_publish(verdict_id=v.pk, editor=ed),
    "verdict.return": lambda v, ed, rev: verdicts.verdict_return(verdict_id=v.pk, editor=ed, note="Redo."),
    "verdict.correct": lambda v, ed, rev: verdicts.verdict_correct(
        verdict_id=v.pk, editor=ed, data=GOOD, note="A newer figure."
    ),
    "verdict.retract": lambda v, ed, rev: verdicts.verdict_retract(
        verdict_id=v.pk, editor=ed, note="The source was withdrawn."
    ),
    "verdict.edit": lambda v, ed, rev: verdicts.verdict_edit(
        verdict_id=v.pk,
        editor=ed,
        data=VerdictInput(rating="false", summary="Edited.", citations=GOOD.citations),
    ),
}


def match_in(state: str, *, editor: User | None = None) -> ClaimMatch:
    match = link(ClaimFactory.create(), ClaimFactory.create())
    if state != MatchStatus.SUGGESTED:
        decider = editor or _user("decider", "Editors")
        ClaimMatch.objects.filter(pk=match.pk).update(
            status=state, decided_by=decider, decided_at=timezone.now()
        )
        match.refresh_from_db()
    return match


def conflict_in(state: str, *, editor: User) -> ClaimConflict:
    resolution: dict[str, Any] = {}
    if state == "resolved":
        resolution = {"resolved_by": editor, "resolved_at": timezone.now(), "resolution_note": "4.1%."}
    return ClaimConflict.objects.create(
        match=match_in(MatchStatus.SUGGESTED),
        kind=ConflictKind.PERCENT,
        value="4.1%",
        other_value="4.5%",
        resolved=state == "resolved",
        **resolution,
    )


def article_in(state: str) -> Any:
    failure = "The extractor stopped." if state == ArticleStatus.FAILED else ""
    return ArticleFactory.create(status=state, failure_reason=failure)


def claim_in(state: str) -> Any:
    return ClaimFactory.create(status=state)


CLAIM_AND_MATCH_CALLS: dict[str, Call] = {
    "claim.promote": lambda c, ed, rev: claims.claim_promote(claim_id=c.pk, editor=ed),
    "claim.demote": lambda c, ed, rev: claims.claim_demote(claim_id=c.pk, editor=ed),
    "match.confirm": lambda m, ed, rev: matching.match_confirm(match_id=m.pk, editor=ed),
    "match.reject": lambda m, ed, rev: matching.match_reject(match_id=m.pk, editor=ed),
    "conflict.resolve": lambda c, ed, rev: conflicts.conflict_resolve(
        conflict_id=c.pk, editor=ed, note="Both."
    ),
    "article.extract_retry": lambda a, ed, rev: articles.article_extract_retry(article_id=a.pk, actor=ed),
}


def test_every_service_backed_action_is_run_below() -> None:
    # The rows the services below do not implement one-to-one: taking work (the queue's own query), the
    # sweep, the claim's demotion, the verdict side of a reviewer's save/submit (run through the task),
    # the abandoning of drafts (a side effect of other moves), an editor's new verdict (on a claim), and a
    # reviewer's reuse of a matched claim's verdict (needs a match: tests/reviews/services/test_reuse.py
    # runs it from every state against this table).
    elsewhere = {
        "task.lease",
        "task.expire",
        "task.cancel_with_claim",
        "verdict.save_draft",
        "verdict.submit",
        "verdict.abandon_draft",
        "verdict.abandon_open",
        "verdict.write",
        "verdict.reuse",
        # Re-extraction runs the extractor: tests/reviews/services/test_claims.py checks its refusals.
        "article.reextract",
        # The extraction worker's moves (never refused: a message for an article no longer pending is
        # dropped), run from every state in test_the_extraction_worker_moves_only_a_pending_article.
        "article.extract",
        "article.extract_fail",
    }
    assert set(TASK_CALLS) | set(VERDICT_CALLS) | set(CLAIM_AND_MATCH_CALLS) | elsewhere == set(ACTIONS)


# The extraction worker's moves: the audit row names the action, and the states are the table's.
EXTRACTS = (
    "Oil exports rise\n\nBy Jane Doe\n\n"
    "Iraq exported 3.4 million barrels a day in March, the oil ministry said.\n"
)


def _article_event(article: Any, action: str) -> tuple[str, str]:
    event = ReviewEvent.objects.get(article=article, action=action)
    return event.from_status, event.to_status


@pytest.mark.django_db
def test_an_extraction_on_a_worker_leads_where_the_table_says() -> None:
    article = articles.article_submit(data=EXTRACTS, name="api").article
    assert extraction_runs.article_is_stuck(article) is False
    extracted = articles.article_extract(article_id=article.pk)
    assert extracted is not None
    assert extracted.status == workflow.target("article.extract")
    assert _article_event(article, EventAction.ARTICLE_EXTRACTED) == (
        ArticleStatus.PENDING,
        workflow.target("article.extract"),
    )
    # A synchronous ingest extracts in the request and stores the article where the worker's would.
    ingested = articles.article_ingest(data=EXTRACTS + "Again.", name="sync").article
    assert ingested.status == workflow.target("article.extract")
    assert ReviewEvent.objects.get(article=ingested).to_status == workflow.target("article.extract")


def _assert_failed_where_the_table_says(article: Article) -> None:
    failed = articles.article_extract(article_id=article.pk)
    assert failed is not None
    assert failed.status == workflow.target("article.extract_fail")
    assert _article_event(article, EventAction.ARTICLE_FAILED) == (
        ArticleStatus.PENDING,
        workflow.target("article.extract_fail"),
    )


@pytest.mark.django_db
def test_a_refused_extraction_on_a_worker_leads_where_the_table_says() -> None:
    article = articles.article_submit(data="Loading, please wait...", name="api").article
    _assert_failed_where_the_table_says(article)


@pytest.mark.django_db
def test_an_extraction_out_of_attempts_leads_where_the_table_says(settings: Any) -> None:
    settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS = 2
    article = articles.article_submit(data=EXTRACTS, name="api").article
    Article.objects.filter(pk=article.pk).update(extract_attempts=2)
    _assert_failed_where_the_table_says(article)


@pytest.mark.django_db
@pytest.mark.parametrize("state", [state.value for state in ArticleStatus])
def test_the_extraction_worker_moves_only_a_pending_article(state: str) -> None:
    article = article_in(state)
    after = articles.article_extract(article_id=article.pk)
    assert after is not None
    if state in ACTIONS["article.extract"].from_states:
        assert after.status in {workflow.target("article.extract"), workflow.target("article.extract_fail")}
        return
    assert after.status == state, "a duplicate message changes nothing and is not refused"
    assert not ReviewEvent.objects.filter(article=article).exists()


def _run(call: Call, obj: Any, editor: User, reviewer: User) -> ApplicationError | None:
    try:
        call(obj, editor, reviewer)
    except ApplicationError as exc:
        return exc
    return None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"), [(name, state.value) for name in TASK_CALLS for state in TaskStatus]
)
def test_task_services_refuse_exactly_what_the_table_refuses(name: str, state: str) -> None:
    editor, reviewer = _user("ed", "Editors"), _user("rev", "Reviewers")
    task = task_in(state, holder=reviewer)
    act = ACTIONS[name]
    role = Role.EDITOR if Role.EDITOR in act.roles else Role.REVIEWER
    expected = workflow.refusal(name, task, role=role)
    error = _run(TASK_CALLS[name], task, editor, reviewer)
    if state in act.from_states:
        assert expected is None
        assert error is None, error.message if error else ""
        return
    assert expected is not None
    assert error is not None, f"{name} from {state} went through"
    assert (type(error), error.message) == (type(expected), expected.message)
    assert error.message.startswith(f"Task {task.pk} is " if role is Role.EDITOR else "You do not hold task")
    fresh = ReviewTask.objects.get(pk=task.pk)
    assert (fresh.status, fresh.priority) == (task.status, task.priority), "a refusal changes nothing"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"), [(name, state.value) for name in VERDICT_CALLS for state in VerdictStatus]
)
def test_verdict_services_refuse_exactly_what_the_table_refuses(name: str, state: str) -> None:
    editor, reviewer = _user("ed", "Editors"), _user("rev", "Reviewers")
    verdict = verdict_in(state, reviewer=reviewer)
    act = ACTIONS[name]
    expected = workflow.refusal(name, verdict, role=Role.EDITOR, latest=lambda: verdict.pk)
    error = _run(VERDICT_CALLS[name], verdict, editor, reviewer)
    if state in act.from_states:
        assert expected is None
        assert error is None, error.message if error else ""
        return
    assert expected is not None
    assert isinstance(error, InvalidTransition), f"{name} from {state} went through"
    assert (error.message, error.extra) == (expected.message, {"status": state})
    assert error.message.startswith(f"Verdict {verdict.pk} is {workflow.VERDICT_PHRASES[state]}; ")
    assert Verdict.objects.get(pk=verdict.pk).status == state, "a refusal changes nothing"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "state"),
    [(name, state) for name in CLAIM_AND_MATCH_CALLS for state in MODEL_STATES[ACTIONS[name].kind]],
)
def test_claim_and_matching_services_refuse_exactly_what_the_table_refuses(name: str, state: str) -> None:
    editor = _user("ed", "Editors")
    obj: Any
    if name.startswith("claim."):
        obj = claim_in(state)
    elif name.startswith("article."):
        obj = article_in(state)
    elif name.startswith("match."):
        obj = match_in(state, editor=editor)
    else:
        obj = conflict_in(state, editor=editor)
    act = ACTIONS[name]
    expected = workflow.refusal(name, obj, role=Role.EDITOR)
    error = _run(CLAIM_AND_MATCH_CALLS[name], obj, editor, editor)
    if state in act.from_states:
        assert expected is None
        assert error is None, error.message if error else ""
        return
    assert expected is not None
    assert isinstance(error, InvalidTransition), f"{name} from {state} went through"
    assert error.message == expected.message
    kind = {"claim": "Sentence", "match": "Match", "conflict": "Conflict", "article": "Article"}[
        act.kind.value
    ]
    assert error.message.startswith(f"{kind} {obj.pk} is ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [n for n in [*TASK_CALLS, *VERDICT_CALLS, *CLAIM_AND_MATCH_CALLS] if Role.EDITOR in ACTIONS[n].roles],
)
def test_editors_actions_refuse_everybody_else(name: str) -> None:
    reviewer = _user("rev", "Reviewers")
    obj: Any
    if name.startswith("task."):
        obj = task_in(TaskStatus.LEASED, holder=reviewer)
    elif name.startswith("verdict."):
        obj = verdict_in(VerdictStatus.SUBMITTED, reviewer=reviewer)
    elif name.startswith("match."):
        obj = match_in(MatchStatus.SUGGESTED)
    elif name.startswith("claim."):
        obj = claim_in(ClaimStatus.SENTENCE if name == "claim.promote" else ClaimStatus.CLAIM)
    elif name.startswith("article."):
        obj = article_in(ArticleStatus.FAILED)
    else:
        obj = conflict_in("open", editor=reviewer)
    call = (TASK_CALLS | VERDICT_CALLS | CLAIM_AND_MATCH_CALLS)[name]
    staff_only = _user("staff", is_staff=True)
    for outsider in (reviewer, staff_only):
        error = _run(call, obj, outsider, reviewer)
        assert isinstance(error, NotAllowed)
        assert error.message == f"Only editors can {ACTIONS[name].editor_phrase}."


# --- conditions, lease checks and buttons --------------------------------------------------------------


@pytest.mark.django_db
def test_reviewer_lease_conditions_are_the_tables_words() -> None:
    reviewer, other = _user("rev", "Reviewers"), _user("other", "Reviewers")
    task = task_in(TaskStatus.LEASED, holder=reviewer)
    with pytest.raises(LeaseNotHeld) as foreign:
        queue.task_heartbeat(task_id=task.pk, reviewer=other, lease_token=task.lease_token)
    assert foreign.value.message == workflow.LEASE_CONDITIONS["not_held"].format(pk=task.pk)
    with pytest.raises(LeaseNotHeld) as wrong_token:
        queue.task_heartbeat(task_id=task.pk, reviewer=reviewer, lease_token=uuid.uuid4())
    assert wrong_token.value.message == workflow.LEASE_CONDITIONS["token_mismatch"].format(pk=task.pk)
    ReviewTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    task.refresh_from_db()
    with pytest.raises(LeaseNotHeld) as expired:
        queue.task_heartbeat(task_id=task.pk, reviewer=reviewer, lease_token=task.lease_token)
    assert expired.value.message == (
        f"Your lease on task {task.pk} expired at {task.lease_expires_at:%H:%M:%S} UTC. "
        "Nothing was changed; take the next task to continue."
    )


@pytest.mark.django_db
def test_actions_for_offers_the_buttons_the_table_allows() -> None:
    reviewer = _user("rev", "Reviewers")
    submitted = verdict_in(VerdictStatus.SUBMITTED, reviewer=reviewer)
    names = [a.name for a in workflow.actions_for(submitted, role=Role.EDITOR)]
    assert names == ["verdict.publish", "verdict.return", "verdict.edit"]
    # Written by an editor: nobody to return it to (a condition the verdict alone decides).
    Verdict.objects.filter(pk=submitted.pk).update(reviewer=None)
    submitted.refresh_from_db()
    names = [a.name for a in workflow.actions_for(submitted, role=Role.EDITOR)]
    assert names == ["verdict.publish", "verdict.edit"]
    published = verdict_in(VerdictStatus.PUBLISHED, reviewer=reviewer)
    assert [a.name for a in workflow.actions_for(published, role=Role.EDITOR)] == [
        "verdict.correct",
        "verdict.retract",
    ]
    # A reviewer may reuse a published verdict (on a claim matched with theirs: the service checks that).
    assert [a.name for a in workflow.actions_for(published, role=Role.REVIEWER)] == ["verdict.reuse"]
    leased = task_in(TaskStatus.LEASED, holder=reviewer)
    assert [a.name for a in workflow.actions_for(leased, role=Role.EDITOR)] == [
        "task.assign",
        "task.release_by_editor",
        "task.requeue",
        "task.cancel",
        "task.raise_priority",
    ]
    assert not workflow.allowed("task.cancel", task_in(TaskStatus.DONE, holder=reviewer), role=Role.EDITOR)


@pytest.mark.django_db
def test_an_editor_may_write_the_verdict_of_a_check_worthy_claim_only() -> None:
    claim = ClaimFactory.create()
    assert not workflow.condition_refuses("verdict.write", "claim_is_sentence", claim)
    claim.status = ClaimStatus.SENTENCE
    assert workflow.condition_refuses("verdict.write", "claim_is_sentence", claim)
    with pytest.raises(AssertionError):
        workflow.condition_refuses("verdict.write", "task_leased", claim)


# --- one definition of "editor" ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_is_whoever_holds_publish_verdict_and_nobody_else() -> None:
    editor = _user("ed", "Editors")
    superuser = _user("root", is_superuser=True)
    assert is_editor(editor)
    assert is_editor(superuser)
    not_editors = [
        _user("rev", "Reviewers"),
        _user("staff", is_staff=True),
        _user("gone", "Editors", is_active=False),
        AnonymousUser(),
        None,
    ]
    assert not any(is_editor(user) for user in not_editors)


@pytest.mark.django_db
def test_reviewers_are_whoever_may_work_the_queue() -> None:
    alice, bob = _user("alice", "Reviewers"), _user("bob", "Reviewers")
    _user("gone", "Reviewers", is_active=False)
    _user("ed", "Editors")
    assert list(reviewers()) == [alice, bob]
    assert is_reviewer(alice)
    assert not is_reviewer(AnonymousUser())
