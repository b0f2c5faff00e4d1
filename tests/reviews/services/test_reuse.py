"""Verdict reuse: a reviewer copies a matched claim's published verdict into their draft in one step.

Every rule, and every refusal with its exact message, on the database the suite runs on (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews import workflow
from reviews.exceptions import ApplicationError, InvalidTransition, LeaseNotHeld, NotFound, ValidationFailed
from reviews.models import (
    Citation,
    EventAction,
    MatchStatus,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services import queue
from reviews.services.reuse import verdict_reuse
from reviews.services.verdicts import (
    CitationInput,
    VerdictInput,
    verdict_correct,
    verdict_create_by_editor,
    verdict_publish,
    verdict_retract,
    verdict_return,
)
from reviews.workflow import Role
from tests.factories import UserFactory, rating
from tests.reviews.matching_fixtures import (
    PUBLISHED,
    Pair,
    claim_in_article,
    matched_pair,
    publish_on,
)

pytestmark = pytest.mark.django_db


def _citations(verdict: Verdict) -> list[tuple[object, ...]]:
    return [
        (c.url, c.title, c.publisher, c.published, c.excerpt, c.position)
        for c in verdict.citations.order_by("position")
    ]


def _reuse(pair: Pair, reviewer: User, **kwargs: object) -> Verdict:
    assert pair.source is not None
    arguments: dict[str, object] = {
        "task_id": pair.task.pk,
        "reviewer": reviewer,
        "lease_token": pair.task.lease_token,
        "verdict_id": pair.source.pk,
        **kwargs,
    }
    return verdict_reuse(**arguments)  # type: ignore[arg-type]


@pytest.fixture
def pair(editor: User, reviewer: User) -> Pair:
    return matched_pair(editor=editor, reviewer=reviewer)


def test_reuse_copies_rating_summary_and_citations_into_a_draft_marked_reused(
    pair: Pair, reviewer: User
) -> None:
    assert pair.source is not None
    draft = _reuse(pair, reviewer)

    draft.refresh_from_db()
    assert draft.status == VerdictStatus.DRAFT
    assert draft.task_id == pair.task.pk
    assert draft.claim_id == pair.task.claim_id
    assert draft.reviewer == reviewer
    assert draft.rating is not None
    assert draft.rating.slug == "mostly-true"
    assert draft.summary == "The deal was announced in October 2012 and was worth about $4.2 billion."
    assert draft.rationale == ""  # the original's rationale is its editors', not copied
    assert draft.reused_from == pair.source
    assert _citations(draft) == [
        (
            "https://news.example.org/2012/10/iraq-russia-arms",
            "Iraq signs arms deal with Russia",
            "Example News",
            dt.date(2012, 10, 9),
            "Iraq has signed contracts worth $4.2 billion.",
            0,
        ),
        ("https://archive.example.org/deal", "Arms transfers register", "", None, "", 1),
    ]
    # The original is untouched and keeps its citations.
    assert Verdict.objects.get(pk=pair.source.pk).status == VerdictStatus.PUBLISHED
    assert len(_citations(pair.source)) == 2
    # The reviewer keeps the task; the reuse is audited next to the draft's save.
    assert ReviewTask.objects.get(pk=pair.task.pk).status == TaskStatus.LEASED
    event = ReviewEvent.objects.get(action=EventAction.VERDICT_REUSED)
    assert (event.actor, event.task_id, event.verdict_id, event.claim_id) == (
        reviewer,
        pair.task.pk,
        draft.pk,
        pair.task.claim_id,
    )
    assert event.data == {"reused_from": pair.source.pk, "citations": 2}
    assert ReviewEvent.objects.filter(action=EventAction.TASK_DRAFT_SAVED, verdict=draft).count() == 1


def test_reuse_replaces_the_reviewers_draft_but_keeps_their_rationale(pair: Pair, reviewer: User) -> None:
    queue.task_save_draft(
        task_id=pair.task.pk,
        reviewer=reviewer,
        lease_token=pair.task.lease_token,
        data=VerdictInput(
            rating="false",
            summary="My first take.",
            rationale="The 2013 date is wrong.",
            citations=(CitationInput(url="https://mine.example.org/a"),),
        ),
    )
    draft = _reuse(pair, reviewer)

    assert Verdict.objects.filter(task=pair.task).count() == 1  # the same draft, not a second one
    draft.refresh_from_db()
    assert draft.rating is not None
    assert draft.rating.slug == "mostly-true"
    assert draft.summary == PUBLISHED.summary
    assert draft.rationale == "The 2013 date is wrong."
    assert [c.url for c in draft.citations.all()] == [c.url for c in PUBLISHED.citations]

    # What the reviewer typed on the page (not yet saved) wins over their stored rationale.
    again = _reuse(pair, reviewer, rationale="Same deal; the year differs.")
    again.refresh_from_db()
    assert again.pk == draft.pk
    assert again.rationale == "Same deal; the year differs."


def test_a_reused_verdict_still_goes_to_an_editor(pair: Pair, reviewer: User, editor: User) -> None:
    assert pair.source is not None
    draft = _reuse(pair, reviewer)
    submitted = queue.task_submit(
        task_id=pair.task.pk,
        reviewer=reviewer,
        lease_token=pair.task.lease_token,
        data=VerdictInput(
            rating="mostly-true",
            summary=draft.summary + " The 2013 date is off by a year.",
            citations=PUBLISHED.citations,
        ),
    )

    submitted.refresh_from_db()
    assert submitted.pk == draft.pk
    assert submitted.status == VerdictStatus.SUBMITTED  # not published: an editor decides
    assert submitted.published_at is None
    assert submitted.reused_from == pair.source  # editing it keeps the mark
    assert ReviewTask.objects.get(pk=pair.task.pk).status == TaskStatus.SUBMITTED

    # The editor can return it like any other submission, and then publish the resubmission.
    verdict_return(verdict_id=submitted.pk, editor=editor, note="Say which year is right.")
    published = verdict_publish_after_resubmit(pair, reviewer, editor)
    assert published.status == VerdictStatus.PUBLISHED
    assert published.reused_from == pair.source
    assert published.claim_id == pair.task.claim_id


def verdict_publish_after_resubmit(pair: Pair, reviewer: User, editor: User) -> Verdict:
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert outcome.task.pk == pair.task.pk
    resubmitted = queue.task_submit(
        task_id=pair.task.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        data=VerdictInput(rating="mostly-true", summary="Signed in 2012.", citations=PUBLISHED.citations),
    )
    published = verdict_publish(verdict_id=resubmitted.pk, editor=editor)
    published.refresh_from_db()
    return published


def test_a_returned_verdict_stays_returned_when_reused(pair: Pair, reviewer: User, editor: User) -> None:
    submitted = queue.task_submit(
        task_id=pair.task.pk,
        reviewer=reviewer,
        lease_token=pair.task.lease_token,
        data=VerdictInput(rating="false", summary="Wrong.", citations=PUBLISHED.citations),
    )
    verdict_return(verdict_id=submitted.pk, editor=editor, note="It was matched: reuse the published one.")
    outcome = queue.task_claim_next(reviewer=reviewer)
    assert outcome is not None
    assert pair.source is not None

    draft = verdict_reuse(
        task_id=pair.task.pk,
        reviewer=reviewer,
        lease_token=outcome.task.lease_token,
        verdict_id=pair.source.pk,
    )

    draft.refresh_from_db()
    assert draft.pk == submitted.pk
    assert draft.status == VerdictStatus.RETURNED
    assert draft.reused_from == pair.source
    assert draft.summary == PUBLISHED.summary


# ---------------------------------------------------------------------------------------------------
# Refusals: nothing changes
# ---------------------------------------------------------------------------------------------------


def _nothing_changed(pair: Pair) -> None:
    assert not Verdict.objects.filter(task=pair.task).exists()
    assert not ReviewEvent.objects.filter(action=EventAction.VERDICT_REUSED).exists()
    assert not ReviewEvent.objects.filter(action=EventAction.TASK_DRAFT_SAVED).exists()


def test_refused_for_a_claim_the_reviewer_does_not_hold(pair: Pair, reviewer: User) -> None:
    other = UserFactory.create(username="other")
    other.groups.add(*reviewer.groups.all())

    with pytest.raises(LeaseNotHeld) as refused:
        _reuse(pair, other)
    assert refused.value.message == (
        f"You do not hold task {pair.task.pk}: it was released, expired or taken by someone else. "
        "Nothing was changed; take the next task to continue."
    )
    assert refused.value.status_code == 409

    with pytest.raises(LeaseNotHeld) as refused:
        _reuse(pair, reviewer, lease_token=uuid.uuid4())
    assert refused.value.message == (
        f"The lease token does not match your current lease on task {pair.task.pk} "
        "(it was taken again since). Nothing was changed."
    )
    _nothing_changed(pair)


def test_a_reviewer_who_does_not_hold_the_task_learns_nothing_about_the_verdict(
    pair: Pair, reviewer: User
) -> None:
    other = UserFactory.create(username="other")
    # The lease is checked first: an unknown verdict id gives the same refusal as a real one.
    with pytest.raises(LeaseNotHeld):
        _reuse(pair, other, verdict_id=10**9)
    _nothing_changed(pair)


def test_refused_when_the_verdict_does_not_exist(pair: Pair, reviewer: User) -> None:
    with pytest.raises(NotFound) as refused:
        _reuse(pair, reviewer, verdict_id=10**9)
    assert refused.value.message == f"Verdict {10**9} does not exist."
    _nothing_changed(pair)


def test_refused_when_the_matched_verdict_is_not_published(editor: User, reviewer: User) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer, published=False)
    # The matched claim's verdict is only submitted (an editor wrote it and has not published it yet).
    submitted = verdict_create_by_editor(
        claim_id=pair.match.other_side(pair.task.claim_id), editor=editor, data=PUBLISHED
    )

    with pytest.raises(InvalidTransition) as refused:
        _reuse(Pair(source=submitted, task=pair.task, match=pair.match), reviewer)
    assert refused.value.message == (
        f"Verdict {submitted.pk} is submitted for review; only a published verdict can be reused."
    )
    assert refused.value.status_code == 409
    _nothing_changed(pair)


def test_refused_for_a_superseded_version_with_the_current_one_named(
    pair: Pair, reviewer: User, editor: User
) -> None:
    assert pair.source is not None
    current = verdict_correct(
        verdict_id=pair.source.pk, editor=editor, data=PUBLISHED, note="Dated the announcement."
    )

    with pytest.raises(InvalidTransition) as refused:
        _reuse(pair, reviewer)
    assert refused.value.message == (
        f"Verdict {pair.source.pk} is superseded by a correction; only a published verdict can be reused. "
        f"Act on the latest version (verdict {current.pk}) instead."
    )
    _nothing_changed(pair)
    # The current version is reusable.
    assert _reuse(pair, reviewer, verdict_id=current.pk).reused_from_id == current.pk


def test_refused_for_a_retracted_verdict(pair: Pair, reviewer: User, editor: User) -> None:
    assert pair.source is not None
    verdict_retract(verdict_id=pair.source.pk, editor=editor, note="The source was withdrawn.")

    with pytest.raises(InvalidTransition) as refused:
        _reuse(pair, reviewer)
    assert refused.value.message == (
        f"Verdict {pair.source.pk} is retracted; only a published verdict can be reused."
    )
    _nothing_changed(pair)


def test_refused_for_a_verdict_on_a_claim_that_is_not_matched(
    pair: Pair, reviewer: User, editor: User
) -> None:
    unrelated = claim_in_article("Turkey bought S-400 systems in 2017.", title="Elsewhere", priority=10)
    verdict = publish_on(unrelated.claim, editor)

    with pytest.raises(InvalidTransition) as refused:
        _reuse(pair, reviewer, verdict_id=verdict.pk)
    assert refused.value.message == (
        f"Verdict {verdict.pk} is on claim {unrelated.claim_id}, which is not matched with your claim "
        f"{pair.task.claim_id}; only a verdict on a matched claim can be reused."
    )
    _nothing_changed(pair)


def test_refused_once_an_editor_rejected_the_match(pair: Pair, reviewer: User, editor: User) -> None:
    assert pair.source is not None
    pair.match.status = MatchStatus.REJECTED
    pair.match.decided_by = editor
    pair.match.decided_at = pair.match.created_at
    pair.match.save()

    with pytest.raises(InvalidTransition, match="which is not matched with your claim"):
        _reuse(pair, reviewer)
    _nothing_changed(pair)


def test_a_confirmed_match_counts(pair: Pair, reviewer: User, editor: User) -> None:
    pair.match.status = MatchStatus.CONFIRMED
    pair.match.decided_by = editor
    pair.match.decided_at = pair.match.created_at
    pair.match.save()

    assert _reuse(pair, reviewer).reused_from == pair.source


def test_a_matched_verdict_whose_rating_was_retired_is_refused_with_the_reason(
    pair: Pair, reviewer: User
) -> None:
    RatingLabel.objects.filter(slug="mostly-true").update(is_active=False)

    with pytest.raises(ValidationFailed, match="Unknown rating “mostly-true”"):
        _reuse(pair, reviewer)
    _nothing_changed(pair)


@pytest.mark.parametrize("state", [state.value for state in VerdictStatus])
def test_reuse_refuses_exactly_what_the_workflow_table_refuses(
    editor: User, reviewer: User, state: str
) -> None:
    pair = matched_pair(editor=editor, reviewer=reviewer, published=False)
    now = timezone.now()
    lineage = state in (VerdictStatus.PUBLISHED, VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED)
    verdict = Verdict.objects.create(
        claim_id=pair.match.other_side(pair.task.claim_id),
        rating=rating("mostly-false"),
        summary="The figure is from 2012.",
        status=state,
        published_at=now if lineage else None,
        retracted_at=now if state == VerdictStatus.RETRACTED else None,
    )
    Citation.objects.create(verdict=verdict, url="https://example.org/report")
    expected = workflow.refusal("verdict.reuse", verdict, role=Role.REVIEWER, latest=lambda: None)

    try:
        _reuse(Pair(source=verdict, task=pair.task, match=pair.match), reviewer)
        error = None
    except ApplicationError as exc:
        error = exc

    if state in workflow.action("verdict.reuse").from_states:
        assert expected is None
        assert error is None, error.message if error else ""
        return
    assert expected is not None
    assert error is not None, f"reuse of a {state} verdict went through"
    assert (type(error), error.message, error.extra) == (type(expected), expected.message, {"status": state})
    _nothing_changed(pair)
