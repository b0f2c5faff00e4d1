"""The review workflow in one table: every action on a review task, a verdict, an article, a claim, a
match between claims or a conflict between matched claims, who may take it, from which states, where it
leads, and the reason given when it is refused.

The states themselves are the models' `TaskStatus`, `VerdictStatus`, `ArticleStatus`, `ClaimStatus` and
`MatchStatus`,
and a conflict's `resolved` flag read as `CONFLICT_STATES`; the groups of them the rules speak of (a
verdict "in progress", "open" for its reviewer) are named here once.

The table also says where each action leads: a service sets the new state from `target` (or, for the
review task a verdict action moves, `task_target`), never by naming the state itself.

The services enforce the table: they call `check` (the actor's role, the state, and the conditions the
object alone decides) before they change anything, and `refuse` for the conditions only the database can
answer (another published verdict on the claim, say), so a refusal reads the same on every surface. The
admin's buttons and the reviewer pages ask `actions_for` / `allowed` what to offer; the API's error bodies
are these refusals as raised (reviews.api.errors), and its schema documents them from here
(`refusals_described`). Nothing else restates which state allows what.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User

from reviews import roles
from reviews.exceptions import ApplicationError, InvalidTransition, LeaseNotHeld, NotAllowed
from reviews.models import (
    Article,
    ArticleStatus,
    Claim,
    ClaimConflict,
    ClaimMatch,
    ClaimStatus,
    MatchStatus,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)


class Role(StrEnum):
    REVIEWER = "reviewer"  # works the queue; acts only on a task whose lease they hold
    EDITOR = "editor"  # reviews.roles.is_editor
    SYSTEM = "system"  # the periodic sweeps (expired leases) and the workers (extraction), acting for nobody


class Kind(StrEnum):
    TASK = "task"
    VERDICT = "verdict"
    ARTICLE = "article"
    CLAIM = "claim"
    MATCH = "match"
    CONFLICT = "conflict"


# A conflict has no status column: its state is its `resolved` flag.
CONFLICT_OPEN, CONFLICT_RESOLVED = "open", "resolved"
CONFLICT_STATES = (CONFLICT_OPEN, CONFLICT_RESOLVED)
# Each kind's states, in the models' order; `Obj` is what the table's functions take.
STATES: Mapping[Kind, tuple[str, ...]] = {
    Kind.TASK: tuple(TaskStatus.values),
    Kind.VERDICT: tuple(VerdictStatus.values),
    Kind.ARTICLE: tuple(ArticleStatus.values),
    Kind.CLAIM: tuple(ClaimStatus.values),
    Kind.MATCH: tuple(MatchStatus.values),
    Kind.CONFLICT: CONFLICT_STATES,
}
Obj = ReviewTask | Verdict | Article | Claim | ClaimMatch | ClaimConflict
_KINDS: Mapping[type, Kind] = {
    ReviewTask: Kind.TASK,
    Verdict: Kind.VERDICT,
    Article: Kind.ARTICLE,
    Claim: Kind.CLAIM,
    ClaimMatch: Kind.MATCH,
    ClaimConflict: Kind.CONFLICT,
}


# Verdicts a reviewer or editor is still working on: at most one per task (verdict_one_open_per_task), and
# while one exists on a claim nobody else writes or reviews the claim's verdict.
VERDICT_IN_PROGRESS = (VerdictStatus.DRAFT, VerdictStatus.SUBMITTED, VerdictStatus.RETURNED)
# Verdicts that hold their claim: in progress or published. While one exists, nobody else writes or
# reviews the claim's verdict (a requeue or an editor's own verdict is refused).
VERDICT_HOLDING_CLAIM = (*VERDICT_IN_PROGRESS, VerdictStatus.PUBLISHED)
# Verdicts a reviewer sent to an editor, whatever became of them (their history): drafts and abandoned
# drafts never left the reviewer's hands.
VERDICT_SENT = (
    VerdictStatus.SUBMITTED,
    VerdictStatus.RETURNED,
    VerdictStatus.PUBLISHED,
    VerdictStatus.SUPERSEDED,
    VerdictStatus.RETRACTED,
)
# Verdicts between a reviewer and an editor: submitted for review, or returned to the reviewer.
VERDICT_IN_REVIEW = (VerdictStatus.SUBMITTED, VerdictStatus.RETURNED)
# Verdicts that were published and no longer are: superseded by a new version, or retracted.
VERDICT_WITHDRAWN = (VerdictStatus.SUPERSEDED, VerdictStatus.RETRACTED)
# Where a claim's published history can stand: its latest published version, live or retracted.
VERDICT_PUBLIC_STANDING = (VerdictStatus.PUBLISHED, VerdictStatus.RETRACTED)
# Review tasks whose reviewer still answers for them once the lease is over: submitted (waiting for an
# editor) or returned to them. The reviewer is `ReviewTask.reviewer`, not the lease's holder.
TASK_WITH_REVIEWER = (TaskStatus.SUBMITTED, TaskStatus.RETURNED)
# Review tasks a scorecard counts as "in review": someone has taken the claim's review and it is not done
# (an available task counts as queued; done and cancelled ones as neither).
TASK_IN_REVIEW = (TaskStatus.LEASED, *TASK_WITH_REVIEWER)
# How each verdict state reads in a refusal: "Verdict 7 is <phrase>; it cannot be <verb>."
VERDICT_PHRASES: Mapping[str, str] = {
    VerdictStatus.DRAFT: "a draft its reviewer has not submitted",
    VerdictStatus.SUBMITTED: "submitted for review",
    VerdictStatus.RETURNED: "returned to its reviewer",
    VerdictStatus.PUBLISHED: "published",
    VerdictStatus.SUPERSEDED: "superseded by a correction",
    VerdictStatus.RETRACTED: "retracted",
    VerdictStatus.ABANDONED: "an abandoned draft",
}
# The hint every verdict refusal on a superseded version gets unless its action says otherwise.
LATEST_VERSION_HINT = "Act on the latest version (verdict {latest}) instead."
FROZEN_HINT = "A published verdict is frozen: correct or retract it instead."

# A reviewer's calls on a task they hold; the lease is checked in this order (holder, token, expiry).
_NOT_HELD = (
    "You do not hold task {pk}: it was released, expired or taken by someone else. "
    "Nothing was changed; take the next task to continue."
)
LEASE_CONDITIONS: Mapping[str, str] = {
    "not_held": _NOT_HELD,
    "token_mismatch": (
        "The lease token does not match your current lease on task {pk} (it was taken again since). "
        "Nothing was changed."
    ),
    "lease_expired": (
        "Your lease on task {pk} expired at {expired_at:%H:%M:%S} UTC. "
        "Nothing was changed; take the next task to continue."
    ),
}


@dataclass(frozen=True)
class Condition:
    """A further reason to refuse an action the state allows. `refuses`, when given, decides it from the
    object alone (so `check` and `actions_for` apply it); otherwise the service asks the database and
    raises `refuse(action, name, ...)`. `message` is formatted with the object's `pk` and the service's
    keyword arguments."""

    message: str
    refuses: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Action:
    name: str  # "verdict.publish"
    kind: Kind
    roles: frozenset[Role]
    from_states: frozenset[str]
    to_state: str | None  # None: the state stays, or the service picks among `to_states`
    verb: str  # "Verdict 7 is published; it cannot be <verb>."
    label: str  # what a button offering it says
    # "Only editors can <editor_phrase>." when someone else tries (editors' actions only).
    editor_phrase: str = ""
    # Where the service may send it when `to_state` is None and the state changes.
    to_states: frozenset[str] = frozenset()
    # A verdict action that also moves the verdict's review task: where the task goes (`task_target`).
    task_to: str | None = None
    # A sentence added to the state refusal, per refused state.
    hints: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, Condition] = field(default_factory=dict)
    # The whole refusal when the state does not allow it, if not the kind's usual sentence.
    reason: str = ""
    refusal: type[ApplicationError] = InvalidTransition

    def state_reason(self) -> str:
        if self.reason:
            return self.reason
        return self.kind.value.capitalize() + " {pk} is {phrase}; it cannot be " + self.verb + "."


def _lease_conditions(**more: Condition) -> dict[str, Condition]:
    return {name: Condition(message) for name, message in LEASE_CONDITIONS.items()} | more


def _task(
    name: str, *, by: Collection[Role], start: Collection[str], to: str | None = None, **fields: Any
) -> Action:
    """One row of the table for a review task."""
    return Action(f"task.{name}", Kind.TASK, frozenset(by), frozenset(start), to, **fields)


def _verdict(
    name: str, *, by: Collection[Role], start: Collection[str], to: str | None = None, **fields: Any
) -> Action:
    """One row of the table for a verdict."""
    return Action(f"verdict.{name}", Kind.VERDICT, frozenset(by), frozenset(start), to, **fields)


def _article(name: str, *, by: Collection[Role], start: Collection[str], to: str, **fields: Any) -> Action:
    """One row of the table for an article (reviews.services.articles)."""
    return Action(f"article.{name}", Kind.ARTICLE, frozenset(by), frozenset(start), to, **fields)


def _claim(name: str, *, by: Collection[Role], start: Collection[str], to: str, **fields: Any) -> Action:
    """One row of the table for an extracted sentence or claim (reviews.services.claims)."""
    return Action(f"claim.{name}", Kind.CLAIM, frozenset(by), frozenset(start), to, **fields)


def _match(name: str, *, by: Collection[Role], start: Collection[str], to: str, **fields: Any) -> Action:
    """One row of the table for a match between two claims (reviews.services.matching)."""
    return Action(f"match.{name}", Kind.MATCH, frozenset(by), frozenset(start), to, **fields)


def _conflict(name: str, *, by: Collection[Role], start: Collection[str], to: str, **fields: Any) -> Action:
    """One row of the table for a conflict between matched claims (reviews.services.conflicts)."""
    return Action(f"conflict.{name}", Kind.CONFLICT, frozenset(by), frozenset(start), to, **fields)


def extract_attempts_max() -> int:
    """How many runs an article's extraction gets before it is failed (`FACTCHECK_EXTRACT_MAX_ATTEMPTS`);
    reviews.services.extraction_runs counts the runs against it."""
    return int(settings.FACTCHECK_EXTRACT_MAX_ATTEMPTS)


def _extraction_exhausted(article: Article) -> bool:
    """A failed article whose runs (`extract_attempts_max`) all ended without a result (its text stopped
    the worker each time)."""
    return article.status == ArticleStatus.FAILED and article.extract_attempts >= extract_attempts_max()


T, V, C, M = TaskStatus, VerdictStatus, ClaimStatus, MatchStatus
R, E, S = Role.REVIEWER, Role.EDITOR, Role.SYSTEM
# A reviewer's calls on a task they hold: refused as "not held" (LeaseNotHeld, 409) from any other state.
_HELD: dict[str, Any] = {"reason": _NOT_HELD, "refusal": LeaseNotHeld}
_ENDS_LEASE = frozenset({T.AVAILABLE, T.RETURNED})  # returned work goes back to its reviewer


class LeaseFrom(NamedTuple):
    """The states `task.lease` takes work from, by who may take it."""

    queue: str  # the shared queue: anybody, or only the reviewer an editor assigned it to
    returned: str  # returned by an editor: only the reviewer it was returned to, before anything else
    expired: str  # a lease that ran out: the sweep (`task.expire`) first sends it back to one of the two


LEASE_FROM = LeaseFrom(queue=T.AVAILABLE, returned=T.RETURNED, expired=T.LEASED)
_MANAGED = {T.AVAILABLE, T.LEASED, T.RETURNED}  # tasks an editor may still cancel or reprioritise

# `by`: the roles that may act; `start`: the states it may start from; `to`: the state it leads to.
ACTIONS: Mapping[str, Action] = {
    action.name: action
    for action in (
        # --- review tasks: reviewers ------------------------------------------------------------------
        # Taking work: an available task (in queue order, or assigned to them), one returned to them, or
        # one whose lease ran out (`LEASE_FROM`). Never refused: the queue offers only what may be taken.
        _task("lease", by={R}, start=LEASE_FROM, to=T.LEASED, verb="leased", label="Next claim"),
        _task("heartbeat", by={R}, start={T.LEASED}, verb="extended", label="Extend lease",
              conditions=_lease_conditions(), **_HELD),
        _task("save_draft", by={R}, start={T.LEASED}, verb="saved", label="Save draft",
              conditions=_lease_conditions(), **_HELD),
        _task("submit", by={R}, start={T.LEASED}, to=T.SUBMITTED, verb="submitted",
              label="Submit for editor review", conditions=_lease_conditions(), **_HELD),
        _task("release", by={R}, start={T.LEASED}, to_states=_ENDS_LEASE, verb="released",
              label="Release task", conditions=_lease_conditions(), **_HELD),
        _task("skip", by={R}, start={T.LEASED}, to=T.AVAILABLE, verb="skipped", label="Skip task",
              conditions=_lease_conditions(returned=Condition(
                  "Task {pk} was returned to you by an editor; release it instead of skipping it."
              )), **_HELD),
        # --- review tasks: the sweeper ------------------------------------------------------------------
        _task("expire", by={S}, start={T.LEASED}, to_states=_ENDS_LEASE, verb="expired",
              label="Expire lease"),
        # --- review tasks: editors ----------------------------------------------------------------------
        # Assigning ends a lease someone else holds (back to available); the assignee's own lease stays.
        _task("assign", by={E}, start={T.AVAILABLE, T.LEASED}, to=T.AVAILABLE, verb="assigned",
              label="Assign to a reviewer…", editor_phrase="assign tasks"),
        _task("release_by_editor", by={E}, start={T.LEASED}, to_states=_ENDS_LEASE, verb="released",
              label="Release the lease (back to the queue)", editor_phrase="release tasks"),
        _task("requeue", by={E}, start={T.CANCELLED, T.LEASED, T.RETURNED}, to=T.AVAILABLE,
              verb="requeued", label="Requeue (unassigned, back to the shared queue)",
              editor_phrase="requeue tasks", conditions={
                  "claim_demoted": Condition(
                      "Task {pk} cannot be requeued: its claim {claim} was demoted to a scored sentence. "
                      "Promote the sentence to queue it again."
                  ),
                  "claim_has_verdict": Condition(
                      "Task {pk} cannot be requeued: claim {claim} already has verdict {verdict} "
                      "({verdict_state}); a second review would give it two."
                  ),
                  "claim_has_open_task": Condition(
                      "Task {pk} cannot be requeued: its claim already has another open task."
                  ),
              }),
        _task("cancel", by={E}, start=_MANAGED, to=T.CANCELLED, verb="cancelled", label="Cancel",
              editor_phrase="cancel tasks"),
        _task("raise_priority", by={E}, start=_MANAGED, verb="reprioritised",
              label="Raise priority (+1000: ahead of every unraised task)",
              editor_phrase="reprioritise tasks"),
        # Demoting a claim cancels its task, only while nobody has worked on it (reviews.services.claims).
        _task("cancel_with_claim", by={E}, start={T.AVAILABLE}, to=T.CANCELLED, verb="cancelled",
              label="Demote to sentence", editor_phrase="demote claims",
              reason="Claim {claim} cannot be demoted: its review task {pk} is {phrase}. "
              "Only claims nobody has worked on can be demoted."),
        # --- verdicts: reviewers (through their task's lease) ----------------------------------------
        # A reviewer's first save creates the draft; a returned verdict stays returned until resubmitted.
        _verdict("save_draft", by={R}, start={V.DRAFT, V.RETURNED}, verb="saved", label="Save draft",
                 to_states=frozenset({V.DRAFT, V.RETURNED})),
        _verdict("submit", by={R}, start={V.DRAFT, V.RETURNED}, to=V.SUBMITTED, verb="submitted",
                 label="Submit for editor review"),
        # A reviewer gave up the task (release, skip) or lost its lease to another: their draft closes; a
        # verdict an editor returned to them stays theirs.
        _verdict("abandon_draft", by={R, S}, start={V.DRAFT}, to=V.ABANDONED, verb="abandoned",
                 label="Discard draft"),
        # An editor ended the reviewers' part in the task (cancel, requeue): nobody could resubmit these.
        _verdict("abandon_open", by={E}, start={V.DRAFT, V.RETURNED}, to=V.ABANDONED, verb="abandoned",
                 label="Abandon", editor_phrase="end a reviewer's work"),
        # A reviewer copies a matched claim's published verdict into their own draft on the task they hold
        # (reviews.services.reuse; the draft is then saved and submitted as usual, `save_draft` above). The
        # object is the verdict copied: only its published version can be, on a claim matched with theirs.
        _verdict("reuse", by={R}, start={V.PUBLISHED}, verb="reused", label="Reuse this verdict",
                 reason="Verdict {pk} is {phrase}; only a published verdict can be reused.",
                 conditions={
                     "not_matched": Condition(
                         "Verdict {pk} is on claim {claim}, which is not matched with your claim {own}; "
                         "only a verdict on a matched claim can be reused."
                     ),
                 }),
        # --- verdicts: editors ------------------------------------------------------------------------
        # Publishing makes its review task done (`task_to`).
        _verdict("publish", by={E}, start={V.SUBMITTED}, to=V.PUBLISHED, verb="published", label="Publish",
                 editor_phrase="publish verdicts", task_to=T.DONE, hints={
                     V.PUBLISHED: "It is already published.",
                     V.RETURNED: "Its reviewer must resubmit it first.",
                     V.DRAFT: "Its reviewer must submit it first.",
                 }, conditions={
                     "claim_has_published": Condition(
                         "Claim {claim} already has a published verdict (verdict {current}); "
                         "correct that one instead."
                     )
                 }),
        # Its task goes back to the reviewer (`task_to`), first in their queue.
        _verdict("return", by={E}, start={V.SUBMITTED}, to=V.RETURNED, verb="returned",
                 label="Return to reviewer", editor_phrase="return verdicts", task_to=T.RETURNED,
                 hints={V.PUBLISHED: FROZEN_HINT, V.RETURNED: "It was already returned."},
                 conditions={
                     "written_by_editor": Condition(
                         "Verdict {pk} was written by an editor, not a reviewer; there is nobody to "
                         "return it to. Edit it instead.",
                         refuses=lambda verdict: verdict.reviewer_id is None or verdict.task_id is None,
                     )
                 }),
        # The published version becomes superseded; the correction is a new published version.
        _verdict("correct", by={E}, start={V.PUBLISHED}, to=V.SUPERSEDED, verb="corrected",
                 label="Correct", editor_phrase="correct verdicts", hints={
                     V.SUBMITTED: "Edit it or publish it; only published verdicts are corrected.",
                     V.RETURNED: "Edit it instead; only published verdicts are corrected.",
                 }),
        _verdict("retract", by={E}, start={V.PUBLISHED}, to=V.RETRACTED, verb="retracted",
                 label="Retract", editor_phrase="retract verdicts",
                 hints={V.SUBMITTED: "Only published verdicts are retracted; return it instead."}),
        _verdict("edit", by={E}, start={V.SUBMITTED, V.RETURNED}, verb="edited", label="Save",
                 editor_phrase="edit verdicts", hints={V.PUBLISHED: FROZEN_HINT}),
        # An editor writes a claim's verdict: a new one, stored as submitted, taking over the claim's task
        # (submitted too, `task_to`, unless it is done).
        # It acts on a claim, not on a verdict, so it has no start state; its refusals are conditions, the
        # first decided by the claim alone (the desk offers the action only where it holds).
        _verdict("write", by={E}, start=set(), to=V.SUBMITTED, verb="written", label="Write the verdict",
                 editor_phrase="write verdicts", task_to=T.SUBMITTED, conditions={
                     "claim_is_sentence": Condition(
                         "Claim {claim} is a scored sentence, not a check-worthy claim; promote it first.",
                         refuses=lambda claim: claim.status != ClaimStatus.CLAIM,
                     ),
                     "claim_has_published": Condition(
                         "Claim {claim} already has a published verdict (verdict {verdict}); "
                         "correct that one instead."
                     ),
                     "claim_has_open": Condition(
                         "Claim {claim} already has a verdict in progress (verdict {verdict}, {phrase}); "
                         "edit that one instead."
                     ),
                     "task_leased": Condition(
                         "Task {task} on claim {claim} is leased to {holder}; release it before writing "
                         "the verdict yourself."
                     ),
                 }),
        # --- articles: editors -----------------------------------------------------------------------
        # Extraction again replaces the article's sentences, claims and tasks: from any state, but only
        # while nobody has started reviewing them, so no work and no audit row is thrown away. Every
        # refusal but `exhausted` (the article alone says it) needs the database (or the clock, for a
        # pending article's message), hence conditions.
        _article("reextract", by={E}, start=set(ArticleStatus.values), to=ArticleStatus.READY,
                 verb="re-extracted", label="Re-extract claims from the article text",
                 editor_phrase="re-extract articles", conditions={
                     "waiting": Condition("Article {pk} is still waiting for extraction."),
                     # Its text stopped a worker each time: run it on a worker again, never in a request.
                     "exhausted": Condition(
                         "Article {pk} cannot be re-extracted here: its extraction never finished on a "
                         "worker. Retry its extraction instead.",
                         refuses=_extraction_exhausted,
                     ),
                     "has_verdicts": Condition(
                         "Article {pk} cannot be re-extracted: {count} of its claims {have}, which "
                         "re-extracting would discard."
                     ),
                     "work_started": Condition(
                         "Article {pk} cannot be re-extracted: review work has started on its claims "
                         "(see its audit log)."
                     ),
                     "reextracted_meanwhile": Condition(
                         "Article {pk} was re-extracted by someone else meanwhile; nothing was changed."
                     ),
                 }),
        # An extraction that failed (its text stopped a worker each time, or the extractor refused it) is
        # sent to a worker again, its attempts counted from zero (reviews.services.articles).
        _article("extract_retry", by={E}, start={ArticleStatus.FAILED}, to=ArticleStatus.PENDING,
                 verb="retried", label="Retry a failed extraction on a worker",
                 editor_phrase="retry extractions",
                 reason="Article {pk} is {phrase}; only a failed extraction can be retried."),
        # --- articles: the extraction worker ---------------------------------------------------------
        # A submitted article waits, pending, for a worker (reviews.services.articles.article_extract),
        # which stores its sentences, claims and tasks (as a synchronous ingest does in the request), or
        # records why it failed: the extractor refused the text, or its runs were used up
        # (FACTCHECK_EXTRACT_MAX_ATTEMPTS; the pending-article sweep fails it too). A message for an
        # article no longer pending is dropped quietly, never refused: it was delivered twice.
        _article("extract", by={S}, start={ArticleStatus.PENDING}, to=ArticleStatus.READY,
                 verb="extracted", label="Extract claims on a worker"),
        _article("extract_fail", by={S}, start={ArticleStatus.PENDING}, to=ArticleStatus.FAILED,
                 verb="failed", label="Record a failed extraction"),
        # --- claims: editors -------------------------------------------------------------------------
        # Correcting extraction: a scored sentence becomes a check-worthy claim (its review is queued), or
        # a claim goes back to being a sentence, while nobody has worked on it (its task: cancel_with_claim).
        _claim("promote", by={E}, start={C.SENTENCE}, to=C.CLAIM, verb="promoted",
               label="Promote to a check-worthy claim", editor_phrase="promote sentences to claims",
               reason="Sentence {pk} is already a check-worthy claim.", conditions={
                   "repeat": Condition(
                       "Sentence {pk} repeats sentence {repeat} of the same article, which is reviewed once "
                       "for both: promote that one instead.",
                       refuses=lambda claim: claim.repeat_of_id is not None,
                   ),
               }),
        _claim("demote", by={E}, start={C.CLAIM}, to=C.SENTENCE, verb="demoted",
               label="Demote to a sentence", editor_phrase="demote claims",
               reason="Sentence {pk} is not a claim; there is nothing to demote.", conditions={
                   "has_verdict": Condition(
                       "Claim {pk} cannot be demoted: it has a verdict (verdict {verdict}, {verdict_state})."
                   ),
               }),
        # --- matches and conflicts: editors -----------------------------------------------------------
        # An editor decides whether matching linked the same claim; either decision can be reversed. A
        # rejected pair stays recorded so matching does not suggest it again; its conflicts are deleted.
        _match("confirm", by={E}, start={M.SUGGESTED, M.REJECTED}, to=M.CONFIRMED, verb="confirmed",
               label="Confirm: the same claim", editor_phrase="confirm matches",
               reason="Match {pk} is already {phrase}."),
        _match("reject", by={E}, start={M.SUGGESTED, M.CONFIRMED}, to=M.REJECTED, verb="rejected",
               label="Reject: different claims", editor_phrase="reject matches",
               reason="Match {pk} is already {phrase}."),
        # A resolution (with the editor's note) is kept when matching runs again.
        _conflict("resolve", by={E}, start={CONFLICT_OPEN}, to=CONFLICT_RESOLVED, verb="resolved",
                  label="Resolve with a note…", editor_phrase="resolve conflicts",
                  reason="Conflict {pk} is already {phrase}."),
    )
}  # fmt: skip


def action(name: str) -> Action:
    return ACTIONS[name]


def target(name: str, to: str | None = None) -> str:
    """The state action `name` leads to, for the service to set: the row's `to_state`, or `to`, which
    must be one of the row's `to_states` (the service picks among them). Anything else is a mistake in
    the calling code, not a user's refusal: ValueError (a 500, never a 409)."""
    act = ACTIONS.get(name)
    if act is None:
        raise ValueError(f"{name!r} is not an action of the workflow table.")
    allowed_targets = {act.to_state} if act.to_state is not None else act.to_states
    if not allowed_targets:
        raise ValueError(f"{name} leaves the state as it is; it leads nowhere.")
    if to is None and act.to_state is not None:
        return act.to_state
    targets = " or ".join(sorted(str(state) for state in allowed_targets))
    if to is None:
        raise ValueError(f"{name} leads to {targets}: say which with `to`.")
    if to not in allowed_targets:
        raise ValueError(f"{name} cannot lead to {to}, only to {targets}.")
    return to


def task_target(name: str) -> str:
    """Where verdict action `name` sends the verdict's review task (publishing makes it done, say)."""
    act = ACTIONS.get(name)
    if act is None or act.task_to is None:
        raise ValueError(f"{name!r} is not a verdict action that moves its review task.")
    return act.task_to


def require_editor(name: str, user: Any) -> User:
    """The acting user if an editor (reviews.roles.is_editor); else the action's refusal for everybody
    else, `NotAllowed("Only editors can <editor_phrase>.")` (403)."""
    act = ACTIONS[name]
    assert act.editor_phrase, f"{name} is not an editor's action"
    return roles.require_editor(user, act.editor_phrase)


def kind_of(obj: Obj) -> Kind:
    return _KINDS[type(obj)]


def state_of(obj: Obj) -> str:
    """The object's state in the table's terms: its status, or a conflict's "open"/"resolved"."""
    if isinstance(obj, ClaimConflict):
        return CONFLICT_RESOLVED if obj.resolved else CONFLICT_OPEN
    return str(obj.status)


def _phrase(kind: Kind, obj: Obj) -> str:
    state = state_of(obj)
    if kind is Kind.VERDICT:
        return VERDICT_PHRASES[state]
    if kind is Kind.TASK:
        return str(TaskStatus(state).label).lower()
    if kind is Kind.MATCH:
        return str(MatchStatus(state).label).lower()
    if kind is Kind.CLAIM:
        return str(ClaimStatus(state).label).lower()
    if kind is Kind.ARTICLE:
        return str(ArticleStatus(state).label).lower()
    return state


def _role_refusal(act: Action, role: Role) -> ApplicationError | None:
    if role in act.roles:
        return None
    return NotAllowed(role_refusal_described(act.name))


def refusal(
    name: str,
    obj: Obj,
    *,
    role: Role,
    latest: Callable[[], int | None] | None = None,
    **context: Any,
) -> ApplicationError | None:
    """Why `role` may not take action `name` on `obj` now (role, state, then the conditions decided by
    the object alone), or None. `latest` gives the id of a superseded verdict's latest version, asked
    only to word that refusal; `context` fills the reason's other blanks."""
    act = ACTIONS[name]
    if (problem := _role_refusal(act, role)) is not None:
        return problem
    state = state_of(obj)
    if state not in act.from_states:
        message = act.state_reason().format(pk=obj.pk, phrase=_phrase(act.kind, obj), **context)
        hint = act.hints.get(state, "")
        if not hint and act.kind is Kind.VERDICT and state == VerdictStatus.SUPERSEDED and latest:
            latest_id = latest()
            hint = LATEST_VERSION_HINT.format(latest=latest_id) if latest_id is not None else ""
        message = f"{message} {hint}".strip()
        if act.kind is Kind.VERDICT:
            return act.refusal(message, status=state)
        return act.refusal(message)
    for condition_name, condition in act.conditions.items():
        if condition.refuses is not None and condition.refuses(obj):
            return refuse(name, condition_name, obj=obj, **context)
    return None


def condition_refuses(name: str, condition: str, obj: Any) -> bool:
    """Whether `condition` of action `name`, one the object alone decides, refuses `obj` (for an action
    on an object of another kind, such as an editor writing a claim's verdict)."""
    refuses = ACTIONS[name].conditions[condition].refuses
    assert refuses is not None, f"{name}: {condition} is decided by the database"
    return refuses(obj)


def check(
    name: str,
    obj: Obj,
    *,
    role: Role,
    latest: Callable[[], int | None] | None = None,
    **context: Any,
) -> None:
    """Raise the refusal `refusal` finds, if any (InvalidTransition 409, LeaseNotHeld 409, NotAllowed 403)."""
    problem = refusal(name, obj, role=role, latest=latest, **context)
    if problem is not None:
        raise problem


def allowed(name: str, obj: Obj, *, role: Role) -> bool:
    """Whether `check` would let `role` take action `name` on `obj`, as far as the object alone says
    (conditions only the database can decide are left to the service)."""
    act = ACTIONS[name]
    return (
        role in act.roles
        and state_of(obj) in act.from_states
        and not any(c.refuses is not None and c.refuses(obj) for c in act.conditions.values())
    )


def refuse(name: str, condition: str, *, obj: Obj | None = None, **context: Any) -> ApplicationError:
    """The refusal for one of action `name`'s conditions, for the service to raise: its message with
    `obj.pk` and `context` filled in. Verdict refusals carry the verdict's state (the API shows it)."""
    act = ACTIONS[name]
    values = dict(context)
    if obj is not None:
        values.setdefault("pk", obj.pk)
    message = act.conditions[condition].message.format(**values)
    if act.kind is Kind.VERDICT and isinstance(obj, Verdict):
        return act.refusal(message, status=obj.status)
    return act.refusal(message)


def actions_for(obj: Obj, *, role: Role) -> list[Action]:
    """The actions of `obj`'s kind that `role` may take on it now, in the table's order: what buttons
    to offer. Conditions only the database can decide are left to the service."""
    kind = kind_of(obj)
    return [act for act in ACTIONS.values() if act.kind is kind and allowed(act.name, obj, role=role)]


def in_state_after(name: str, obj: Obj) -> bool:
    """Whether `obj` is in the state action `name` leads to: a verdict in the state after
    `verdict.publish` is the one readers see, after `verdict.correct` it has a later version. For pages
    that show what the table's actions left (also `{{ verdict|in_state_after:"verdict.publish" }}`,
    reviews/templatetags/workflow_states.py)."""
    return state_of(obj) == ACTIONS[name].to_state


def returned_to_reviewer(task: ReviewTask) -> bool:
    """Whether the task waits for the reviewer an editor returned it to (only they may lease it)."""
    return state_of(task) == LEASE_FROM.returned


def states_allowing(name: str) -> list[str]:
    """The states action `name` may start from, in the models' order (for queries and filters)."""
    act = ACTIONS[name]
    return [state for state in STATES[act.kind] if state in act.from_states]


# --- the table in words, for the interfaces that describe it ---------------------------------------------


def states_phrase(name: str) -> str:
    """The states action `name` may start from, in words: "submitted or returned"."""
    return " or ".join(states_allowing(name))


def state_rule(name: str) -> str:
    """Which objects action `name` may act on, as a clause: "Only submitted ones can be published" (an
    admin action's confirmation page, which reports the others)."""
    return f"Only {states_phrase(name)} ones can be {ACTIONS[name].verb}"


class _Blank:
    """A reason's blank as documentation shows it: `<pk>`, whatever its format spec."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return f"<{self.name}>"


class _Blanks(dict[str, _Blank]):
    def __missing__(self, key: str) -> _Blank:
        return _Blank(key)


def _unfilled(message: str) -> str:
    return message.format_map(_Blanks())


def refusals_described(*names: str) -> str:
    """The refusals of actions `names` (role aside) as the API documents its 409 answer: every reason
    the table gives, blanks shown as `<pk>`, in the table's order, each once."""
    reasons: list[str] = []
    for name in names:
        act = ACTIONS[name]
        if act.from_states:
            states = " or ".join(f"`{state}`" for state in states_allowing(name))
            reason = f"“{_unfilled(act.state_reason())}” (the {act.kind.value} is not {states})"
            if act.reason == _NOT_HELD:
                reason = f"“{_unfilled(_NOT_HELD)}”"
            reasons.append(reason)
        reasons.extend(f"“{_unfilled(condition.message)}”" for condition in act.conditions.values())
    unique = list(dict.fromkeys(reasons))
    return "Refused, nothing changed; `detail` says why:\n\n" + "\n".join(f"- {r}" for r in unique)


def role_refusal_described(name: str) -> str:
    """The 403 of action `name` for anybody its roles leave out, as its refusal reads."""
    act = ACTIONS[name]
    if act.editor_phrase:
        return f"Only editors can {act.editor_phrase}."
    return f"You cannot take the action “{act.label}”."
