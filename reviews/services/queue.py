"""The reviewers' queue: leasing tasks, keeping, giving back and submitting them; editors' queue controls.

Guarantees:
- No two reviewers ever hold the same task: taking work locks the candidate row with
  `SELECT ... FOR UPDATE SKIP LOCKED` in one short transaction, so concurrent callers pass over each
  other's candidates instead of waiting or double-leasing.
- A reviewer's calls are serialised by locking their user row first, so "at most N leases each" holds
  even when one reviewer fires two requests at once.
- Everything that acts on a held task checks the lease (holder, token, expiry) under the task's row lock;
  a late or foreign call raises `LeaseNotHeld` (HTTP 409) and changes nothing.
- Every transition writes a ReviewEvent in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from reviews import compiled
from reviews.compiled import Compiled, compile_once
from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import (
    ClaimStatus,
    EventAction,
    ReviewEvent,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.roles import is_reviewer
from reviews.selectors import verdict_live_on_claim
from reviews.services.events import event_record
from reviews.services.locks import claim_lock
from reviews.services.scorecards import scorecard_mark_changed, scorecard_shows_task_move
from reviews.services.verdicts import (
    VerdictInput,
    verdict_abandon_drafts,
    verdict_abandon_open,
    verdict_save_for_task,
    verdict_validate,
)
from reviews.workflow import (
    LEASE_FROM,
    VERDICT_IN_PROGRESS,
    Role,
    check,
    refuse,
    require_editor,
    states_allowing,
    target,
)

SKIP_REASON_MAX = 500
# Where the queue takes work from, read from the workflow table (`task.lease`) once, at import: the shared
# queue, and work an editor returned to its reviewer. (Its third state, a lease that ran out, is reclaimed
# into one of these first.)
_QUEUED = LEASE_FROM.queue
_RETURNED = LEASE_FROM.returned


def _lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.FACTCHECK_LEASE_SECONDS)


# The fields a lease sets and `_clear_lease` clears.
_LEASE_FIELDS = ["lease_holder", "lease_token", "lease_expires_at"]


def _clear_lease(task: ReviewTask) -> None:
    task.lease_holder = None
    task.lease_token = None
    task.lease_expires_at = None


# Every field of a task: the queue's reads load the whole task (it is saved again) and, with `only()`,
# just the fields of its claim and article that are used.
_TASK_FIELDS = tuple(field.name for field in ReviewTask._meta.concrete_fields)


def _locked_tasks() -> QuerySet[ReviewTask]:
    """Task rows locked FOR NO KEY UPDATE (the task's own row only), with their claim's article id read
    along, unlocked (`_record_move` marks that article's scorecard). NO KEY: rows that point to the task
    (events, verdicts) may still check their foreign key to it, and the task's writes never change its
    key. On SQLite (the demo) the ORM leaves the lock out; it serialises writing transactions instead."""
    return (
        ReviewTask.objects.select_related("claim")
        .only(*_TASK_FIELDS, "claim__article")
        .select_for_update(of=("self",), no_key=True)
    )


def _lock_task(task_id: int) -> ReviewTask:
    """Lock the task row and return it with its claim, or raise NotFound."""
    task = _locked_tasks().filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.")
    return task


def _check_lease(
    action: str, task: ReviewTask, *, reviewer: User, lease_token: uuid.UUID | str | None, now: dt.datetime
) -> None:
    """The workflow's refusal (LeaseNotHeld, 409) unless `reviewer` holds the task's lease, with
    `lease_token`, unexpired: checked in that order."""
    check(action, task, role=Role.REVIEWER)
    if task.lease_holder_id != reviewer.pk:
        raise refuse(action, "not_held", obj=task)
    if lease_token is None or str(task.lease_token) != str(lease_token):
        raise refuse(action, "token_mismatch", obj=task)
    assert task.lease_expires_at is not None
    if task.lease_expires_at <= now:
        raise refuse(action, "lease_expired", obj=task, expired_at=task.lease_expires_at)


def _record_move(
    task: ReviewTask,
    changed: list[str],
    *,
    from_status: str,
    action: EventAction,
    actor: User,
    verdict: Verdict | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    article_id: int | None = None,
) -> None:
    """Write a queue transition: the task's `changed` fields (and `updated_at`), its audit event from
    `from_status` to the task's new status, naming the task's claim and article, and, when the move
    changes what the article's scorecard counts (queued, in review), the article's `changed_at`. The task
    row is already locked, so the article's lock is still the last one taken, as every service takes them.
    The article's id is read from `task.claim`, loaded with the task, or given as `article_id` by a
    caller that read the task without its claim (the submission).

    Queue moves send no scorecard build message: the stale-scorecard sweeper rebuilds the scorecard within
    `FACTCHECK_SCORECARD_SWEEP_SECONDS` (a minute), and until then it says it is being updated. Counts of
    queued and in-review claims may lag that long; verdict and claim changes still build at once. This
    spares every lease a broker round trip."""
    if article_id is None:
        article_id = task.claim.article_id
    task.save(update_fields=[*changed, "updated_at"])
    event_record(
        action=action,
        actor=actor,
        claim_id=task.claim_id,
        article_id=article_id,
        task=task,
        verdict=verdict,
        from_status=from_status,
        to_status=task.status,
        note=note,
        data=data,
    )
    if scorecard_shows_task_move(from_status=from_status, to_status=task.status):
        scorecard_mark_changed(article=article_id)


def _lock_held(
    action: str, task_id: int, *, reviewer: User, lease_token: uuid.UUID | str | None
) -> ReviewTask:
    """Lock the task and check that `reviewer` holds its lease with `lease_token` (else LeaseNotHeld)."""
    task = _lock_task(task_id)
    _check_lease(action, task, reviewer=reviewer, lease_token=lease_token, now=timezone.now())
    return task


def _open_verdict_id() -> Subquery:
    """The id of the task's open verdict (draft, submitted or returned; at most one, by the partial
    unique constraint verdict_one_open_per_task), for an annotation of a task query."""
    open_verdicts = Verdict.objects.filter(task=OuterRef("pk"), status__in=VERDICT_IN_PROGRESS)
    return Subquery(open_verdicts.values("pk")[:1])


class _OpenVerdict(TypedDict):
    open_verdict_id: int | None
    claim_article_id: int


def _locked_tasks_with_open_verdict() -> QuerySet[WithAnnotations[ReviewTask, _OpenVerdict]]:
    """Task rows locked as `_locked_tasks` locks them, with `open_verdict_id` and `claim_article_id` (the
    article the submission's audit row names); compiled once by `_submission_lock_statement`.

    The claim's article id comes as a column of the same statement, not as a `select_related` claim: a
    submission needs nothing else of the claim (it moves the task inside the scorecard's "in review"
    group, `scorecard_shows_task_move`, and saving a draft does not move it), and building the claim's
    model instance cost every submission CPU for nothing."""
    locked: QuerySet[ReviewTask] = ReviewTask.objects.select_for_update(of=("self",), no_key=True)
    return locked.annotate(open_verdict_id=_open_verdict_id(), claim_article_id=F("claim__article_id"))


@functools.cache
def _submission_lock_statement(vendor: str) -> Compiled[WithAnnotations[ReviewTask, _OpenVerdict]]:
    """`_locked_tasks_with_open_verdict` for one task, compiled once (reviews/compiled.py;
    docs/architecture.md, "Statements compiled once")."""
    del vendor  # the key of the cache only

    def make(task_id: int) -> QuerySet[WithAnnotations[ReviewTask, _OpenVerdict]]:
        return _locked_tasks_with_open_verdict().filter(pk=task_id)[:1]

    return compile_once(make, task_id=compiled.ID)


def _save_verdict(
    task_id: int, *, reviewer: User, lease_token: uuid.UUID | str | None, data: VerdictInput, submit: bool
) -> tuple[WithAnnotations[ReviewTask, _OpenVerdict], Verdict]:
    """Saving or submitting the reviewer's verdict. Locks the task and checks the lease (LeaseNotHeld,
    409, first), reading the id of the task's open verdict in the same statement (a first save or
    submission, the usual case, then reads no verdict); then validates `data` (ValidationFailed, 400;
    complete when submitting) and stores the verdict and its citations."""
    task = _submission_lock_statement(connection.vendor).first(task_id=task_id)
    if task is None:
        raise NotFound(f"Task {task_id} does not exist.")
    action = "submit" if submit else "save_draft"
    _check_lease(f"task.{action}", task, reviewer=reviewer, lease_token=lease_token, now=timezone.now())
    label = verdict_validate(data, complete=submit)
    open_id = task.open_verdict_id
    open_verdict = Verdict.objects.get(pk=open_id) if open_id is not None else None
    if open_verdict is not None and open_verdict.reviewer_id == reviewer.pk:
        check(f"verdict.{action}", open_verdict, role=Role.REVIEWER)
    verdict = verdict_save_for_task(
        task=task, reviewer=reviewer, data=data, submit=submit, label=label, open_verdict=open_verdict
    )
    return task, verdict


def _was_returned(task: ReviewTask) -> bool:
    return Verdict.objects.filter(task=task, status=VerdictStatus.RETURNED).exists()


def _after_lease_ends(action: str, task: ReviewTask) -> str:
    """Where `action` (one that ends a lease without a submission) sends a task: back to its reviewer if
    an editor had returned it to them, else back to the shared queue."""
    return target(action, to=_RETURNED if _was_returned(task) else _QUEUED)


# --------------------------------------------------------------------------------------------------
# Reviewers
# --------------------------------------------------------------------------------------------------


def _expirable() -> QuerySet[ReviewTask]:
    """Tasks in a state the sweeper may expire (the workflow's `task.expire`). Their leases ran out when
    `lease_expires_at` has passed."""
    return ReviewTask.objects.filter(status__in=states_allowing("task.expire"))


def _reclaim_expired(*, now: dt.datetime, limit: int = 100) -> int:
    """Return expired leases to the queue. Locks only rows nobody else holds (SKIP LOCKED)."""
    expired = list(
        _expirable()
        .select_related("claim")
        .select_for_update(skip_locked=True, of=("self",))
        .filter(lease_expires_at__lte=now)
        .order_by("lease_expires_at")[:limit]
    )
    events = []
    for task in expired:
        holder_id = task.lease_holder_id
        task.status = _after_lease_ends("task.expire", task)
        _clear_lease(task)
        task.save(update_fields=["status", *_LEASE_FIELDS, "updated_at"])
        events.append(
            ReviewEvent(
                action=EventAction.TASK_EXPIRED,
                task=task,
                claim_id=task.claim_id,
                from_status=TaskStatus.LEASED,
                to_status=task.status,
                data={"holder": holder_id},
            )
        )
    ReviewEvent.objects.bulk_create(events)
    for article_id in sorted({task.claim.article_id for task in expired}):
        scorecard_mark_changed(article=article_id)
    return len(expired)


def tasks_expire_leases(*, now: dt.datetime | None = None) -> int:
    """The beat sweep: free every expired lease, in batches. Returns how many were freed."""
    total = 0
    while True:
        with transaction.atomic():
            freed = _reclaim_expired(now=now or timezone.now(), limit=500)
        total += freed
        if freed < 500:
            return total


def _lock_reviewer(reviewer: User) -> None:
    """Serialise one reviewer's queue calls: their user row, locked until the transaction ends."""
    _reviewer_lock_statement(connection.vendor).rows(reviewer_id=reviewer.pk)


@functools.cache
def _reviewer_lock_statement(vendor: str) -> Compiled[Any]:
    """`_lock_reviewer`'s statement, compiled once (reviews/compiled.py; docs/architecture.md, "Statements
    compiled once")."""
    del vendor  # the key of the cache only

    def make(reviewer_id: int) -> QuerySet[Any]:
        return User.objects.select_for_update().filter(pk=reviewer_id).values_list("pk", flat=True)

    return compile_once(make, reviewer_id=compiled.ID)


@dataclass(frozen=True, slots=True)
class _Held:
    """What a reviewer holds, and two flags that decide whether more steps are needed: whether any lease
    anywhere has run out (then it is reclaimed first, so expired work is claimable at once) and whether
    work is reserved for this reviewer (returned to them, or assigned to them by an editor)."""

    at_limit: bool  # they hold FACTCHECK_MAX_LEASES_PER_REVIEWER leases (or more)
    expired: bool
    reserved: bool


def _held_annotations(*, reviewer_id: int, now: dt.datetime, limit: int) -> dict[str, Any]:
    """`_Held`'s fields as annotations: read with the candidate task, in the same statement. `limit` is
    FACTCHECK_MAX_LEASES_PER_REVIEWER (`_lease_limit`)."""
    return {
        # Whether they hold a limit-th lease (OFFSET limit - 1): at the limit, or past it.
        "held_at_limit": Exists(_held_by(reviewer_id, now=now)[limit - 1 : limit]),
        "any_expired": Exists(_expirable().filter(lease_expires_at__lte=now)),
        "any_reserved": Exists(ReviewTask.objects.filter(_reserved_for(reviewer_id))),
    }


def _lease_limit() -> int:
    return max(1, settings.FACTCHECK_MAX_LEASES_PER_REVIEWER)


def _held_by(reviewer_id: int, *, now: dt.datetime) -> QuerySet[ReviewTask]:
    """The leases the reviewer holds (tasks they may act on as holder, the workflow's `task.heartbeat`),
    soonest to expire first."""
    return _holdable().filter(lease_holder_id=reviewer_id, lease_expires_at__gt=now)


def _holdable() -> QuerySet[ReviewTask]:
    """Tasks in a state their lease holder may act on (`task.heartbeat`), soonest to expire first."""
    return ReviewTask.objects.filter(status__in=states_allowing("task.heartbeat")).order_by(
        "lease_expires_at", "pk"
    )


def _held_of(row: Any) -> _Held:
    return _Held(
        at_limit=row.held_at_limit,
        expired=row.any_expired,
        reserved=row.any_reserved,
    )


def _held(*, reviewer: User, now: dt.datetime) -> _Held:
    """`_Held` on its own, for when no candidate row came back to carry it."""
    annotations = _held_annotations(reviewer_id=reviewer.pk, now=now, limit=_lease_limit())
    row = User.objects.filter(pk=reviewer.pk).annotate(**annotations).get()
    return _held_of(row)


def _reserved_for(reviewer_id: int) -> Q:
    """Work reserved for the reviewer: returned to them, or assigned to them by an editor."""
    return Q(status=_RETURNED, reviewer_id=reviewer_id) | Q(status=_QUEUED, assignee_id=reviewer_id)


def _candidates() -> QuerySet[ReviewTask]:
    """Candidate tasks, locked with SKIP LOCKED (rows other reviewers hold locked are passed over), with
    the claim and article fields a reviewer is shown (`_SHOWN`; the others, such as the claim's
    embedding, are deferred). Only the task row is locked."""
    return (
        ReviewTask.objects.select_related("claim", "claim__article")
        .only(*_TASK_FIELDS, *_SHOWN)
        .select_for_update(skip_locked=True, of=("self",), no_key=True)
    )


# What the API's task (reviews.api.queue.TaskSerializer) shows of the claim and its article.
_SHOWN = (
    "claim__text",
    "claim__start",
    "claim__end",
    "claim__score",
    "claim__claim_type",
    "claim__article__title",
    "claim__article__body",
)


def _queue_candidate(*, reviewer: User, now: dt.datetime) -> tuple[ReviewTask | None, _Held | None]:
    """The first task of the shared queue this reviewer may take, locked, skipping tasks they passed on,
    with what they hold (`_Held`, read in the same statement; None when no task came back). Matches the
    partial index reviewtask_claimable_idx: an index scan in queue order that stops at the first unlocked
    row, however many tasks wait. The statement is compiled once (`_candidate_statement`)."""
    statement = _candidate_statement(connection.vendor, limit=_lease_limit())
    task = statement.first(reviewer_id=reviewer.pk, now=now)
    return task, (_held_of(task) if task is not None else None)


def _candidate(*, reviewer_id: int, now: dt.datetime, limit: int) -> QuerySet[ReviewTask]:
    """`_queue_candidate`'s queryset: the first task of the shared queue, with `_Held`'s annotations."""
    passed = TaskSkip.objects.filter(task_id=OuterRef("pk"), reviewer_id=reviewer_id)
    return (
        _shared_queue()
        .annotate(**_held_annotations(reviewer_id=reviewer_id, now=now, limit=limit))
        .filter(Q(assignee_id__isnull=True) | Q(assignee_id=reviewer_id))
        .filter(~Exists(passed))[:1]
    )


@functools.cache
def _candidate_statement(vendor: str, *, limit: int) -> Compiled[ReviewTask]:
    """`_candidate`, compiled by the ORM once per process, database vendor and lease limit
    (reviews/compiled.py): building and compiling it per call cost more CPU than running it
    (docs/architecture.md, "Statements compiled once")."""
    del vendor  # the key of the cache only
    make = functools.partial(_candidate, limit=limit)
    return compile_once(make, reviewer_id=compiled.ID, now=compiled.TIME)


def _shared_queue() -> QuerySet[ReviewTask]:
    """`_candidates` of the shared queue, in queue order (priority, then the newest article, then age)."""
    return _candidates().filter(status=_QUEUED).order_by("-priority", "-article_date", "pk")


def _reserved_candidate(*, reviewer: User) -> ReviewTask | None:
    """Work reserved for the reviewer, locked: returned to them first, then assigned to them, each in
    queue order."""
    return (
        _candidates()
        .filter(_reserved_for(reviewer.pk))
        .order_by(
            Case(When(status=_RETURNED, then=Value(0)), default=Value(1)),
            "-priority",
            "-article_date",
            "pk",
        )
        .first()
    )


@dataclass(frozen=True, slots=True)
class NextTask:
    task: ReviewTask
    resumed: bool  # the reviewer already held it


def task_claim_next(*, reviewer: User) -> NextTask | None:
    """Lease the next task to `reviewer`, or give back the one they hold (at most
    FACTCHECK_MAX_LEASES_PER_REVIEWER each). None when nothing is claimable for them. The task comes with
    its claim and the claim's article (the fields a reviewer is shown, `_SHOWN`; the others deferred).

    Locks: the reviewer's user row (serialises one reviewer's calls), then one task row with SKIP LOCKED,
    then the article's row (its scorecard marked changed). When leases have expired, they are reclaimed
    first, in a transaction of their own.
    """
    now = timezone.now()
    try:
        return _lease_next(reviewer=reviewer, now=now, reclaim_first=True)
    except _ReclaimFirst:
        # Expired leases go back to the queue first, so their tasks are claimable at once; in a
        # transaction of their own. Reclaiming locks the articles of the freed tasks in id order, and the
        # lease then locks its task's article: in one transaction that second lock could come out of
        # order, and two reviewers doing the same deadlocked.
        with transaction.atomic():
            _reclaim_expired(now=now, limit=20)
    return _lease_next(reviewer=reviewer, now=now, reclaim_first=False)


class _ReclaimFirst(Exception):
    """Leases have expired: `task_claim_next` reclaims them before leasing."""


def _lease_next(*, reviewer: User, now: dt.datetime, reclaim_first: bool) -> NextTask | None:
    with transaction.atomic():
        # The reviewer's lock comes first, in a statement of its own: the reads below then run in a
        # snapshot that sees their previous call's commit.
        _lock_reviewer(reviewer)
        task, held = _queue_candidate(reviewer=reviewer, now=now)
        if held is None:
            held = _held(reviewer=reviewer, now=now)
        if held.at_limit:
            held_task = (
                _held_by(reviewer.pk, now=now)
                .select_related("claim", "claim__article")
                .only(*_TASK_FIELDS, *_SHOWN)
                .first()
            )
            if held_task is not None:
                return NextTask(task=held_task, resumed=True)
        if held.expired and reclaim_first:
            raise _ReclaimFirst
        if held.reserved:
            task = _reserved_candidate(reviewer=reviewer) or task
        if task is None:
            return None
        from_status = task.status
        task.status = target("task.lease")
        task.lease_holder = reviewer
        task.lease_token = uuid.uuid4()
        task.lease_expires_at = now + _lease_length()
        task.attempts += 1
        _record_move(
            task,
            ["status", *_LEASE_FIELDS, "attempts"],
            from_status=from_status,
            action=EventAction.TASK_LEASED,
            actor=reviewer,
            data={"expires": task.lease_expires_at.isoformat()},
        )
    return NextTask(task=task, resumed=False)


def task_heartbeat(*, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None) -> ReviewTask:
    """Extend the reviewer's lease by the full lease length from now."""
    now = timezone.now()
    with transaction.atomic():
        task = _lock_held("task.heartbeat", task_id, reviewer=reviewer, lease_token=lease_token)
        task.lease_expires_at = now + _lease_length()
        task.save(update_fields=["lease_expires_at", "updated_at"])
    return task


def task_release(*, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None) -> ReviewTask:
    """Give the task back to the queue; the reviewer's unsent draft is closed (abandoned)."""
    with transaction.atomic():
        task = _lock_held("task.release", task_id, reviewer=reviewer, lease_token=lease_token)
        verdict_abandon_drafts(task=task, reviewer=reviewer)
        task.status = _after_lease_ends("task.release", task)
        _clear_lease(task)
        _record_move(
            task,
            ["status", *_LEASE_FIELDS],
            from_status=TaskStatus.LEASED,
            action=EventAction.TASK_RELEASED,
            actor=reviewer,
        )
    return task


def task_skip(
    *, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None, reason: str
) -> ReviewTask:
    """Pass on a task with a reason: it goes back to the queue and is never offered to this reviewer again."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "reason: Say why you skip this task.", field_errors={"reason": ["Say why you skip this task."]}
        )
    if len(reason) > SKIP_REASON_MAX:
        message = f"At most {SKIP_REASON_MAX} characters (got {len(reason)})."
        raise ValidationFailed(f"reason: {message}", field_errors={"reason": [message]})
    with transaction.atomic():
        task = _lock_held("task.skip", task_id, reviewer=reviewer, lease_token=lease_token)
        if _was_returned(task):
            raise refuse("task.skip", "returned", obj=task)
        TaskSkip.objects.create(task=task, reviewer=reviewer, reason=reason)
        verdict_abandon_drafts(task=task, reviewer=reviewer)
        task.status = target("task.skip")
        if task.assignee_id == reviewer.pk:
            task.assignee = None
        _clear_lease(task)
        _record_move(
            task,
            ["status", "assignee", *_LEASE_FIELDS],
            from_status=TaskStatus.LEASED,
            action=EventAction.TASK_SKIPPED,
            actor=reviewer,
            note=reason,
        )
    return task


def task_save_draft(
    *, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None, data: VerdictInput
) -> Verdict:
    """Save the reviewer's work in progress. Checks the lease, then the fields that are filled in."""
    with transaction.atomic():
        task, verdict = _save_verdict(
            task_id, reviewer=reviewer, lease_token=lease_token, data=data, submit=False
        )
        event_record(action=EventAction.TASK_DRAFT_SAVED, actor=reviewer, task=task, verdict=verdict)
    return verdict


def task_submit(
    *, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None, data: VerdictInput
) -> Verdict:
    """Submit the verdict for editor review. The lease is checked first (409, nothing changes), then the
    verdict (400, nothing changes); then verdict, citations, task and audit row are written together."""
    with transaction.atomic():
        task, verdict = _save_verdict(
            task_id, reviewer=reviewer, lease_token=lease_token, data=data, submit=True
        )
        task.status = target("task.submit")
        task.reviewer = reviewer
        _clear_lease(task)
        _record_move(
            task,
            ["status", "reviewer", *_LEASE_FIELDS],
            from_status=TaskStatus.LEASED,
            action=EventAction.VERDICT_SUBMITTED,
            actor=reviewer,
            verdict=verdict,
            article_id=task.claim_article_id,
            data={
                "rating": verdict.rating.slug if verdict.rating else None,
                "citations": len(data.citations),
            },
        )
    return verdict


# --------------------------------------------------------------------------------------------------
# Editors
# --------------------------------------------------------------------------------------------------


def _drop_lease(task: ReviewTask) -> int | None:
    holder = task.lease_holder_id
    if task.status == TaskStatus.LEASED and task.lease_holder is not None:
        verdict_abandon_drafts(task=task, reviewer=task.lease_holder)
    _clear_lease(task)
    return holder


def _end_reviewer_work(task: ReviewTask) -> dict[str, Any] | None:
    """Cancel and requeue end the reviewers' part in a task: its lease, and every verdict on it not yet
    submitted (`verdict_abandon_open`, the lease holder's draft included). Returns the event data naming
    the verdicts closed, or None."""
    _clear_lease(task)
    abandoned = verdict_abandon_open(task=task)
    return {"abandoned_verdicts": abandoned} if abandoned else None


def task_assign(*, task_id: int, editor: User, reviewer: User) -> ReviewTask:
    """Reserve the task for `reviewer` (assign or reassign). A lease someone else holds is ended."""
    editor = require_editor("task.assign", editor)
    if not is_reviewer(reviewer):
        raise ValidationFailed(
            f"{reviewer.get_username()} is not a reviewer.",
            field_errors={"reviewer": ["Not in the Reviewers group."]},
        )
    with transaction.atomic():
        task = _lock_task(task_id)
        check("task.assign", task, role=Role.EDITOR)
        from_status = task.status
        previous = task.assignee_id
        if task.status == TaskStatus.LEASED and task.lease_holder_id != reviewer.pk:
            _drop_lease(task)
            task.status = target("task.assign")
        task.assignee = reviewer
        TaskSkip.objects.filter(task=task, reviewer=reviewer).delete()
        _record_move(
            task,
            ["status", "assignee", *_LEASE_FIELDS],
            from_status=from_status,
            action=EventAction.TASK_ASSIGNED,
            actor=editor,
            data={"assignee": reviewer.pk, "previous_assignee": previous},
        )
    return task


def task_release_by_editor(*, task_id: int, editor: User) -> ReviewTask:
    """End the current lease; the task goes back to the queue (or to the reviewer it was returned to)."""
    editor = require_editor("task.release_by_editor", editor)
    with transaction.atomic():
        task = _lock_task(task_id)
        check("task.release_by_editor", task, role=Role.EDITOR)
        holder = _drop_lease(task)
        task.status = _after_lease_ends("task.release_by_editor", task)
        _record_move(
            task,
            ["status", *_LEASE_FIELDS],
            from_status=TaskStatus.LEASED,
            action=EventAction.TASK_RELEASED,
            actor=editor,
            data={"holder": holder},
        )
    return task


def task_requeue(*, task_id: int, editor: User) -> ReviewTask:
    """Put a task back into the shared queue, unassigned: a cancelled one, or one held or returned.

    Refused (409) when its claim was demoted to a sentence (promoting it queues it again), or has a
    verdict from outside this task in progress or published (an editor's own): a second review would
    give the claim two. Locks the claim, then the task, as the other claim-level actions do, so it waits
    for a promotion, demotion or editor's verdict on the same claim instead of racing it."""
    editor = require_editor("task.requeue", editor)
    claim_id = ReviewTask.objects.filter(pk=task_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise NotFound(f"Task {task_id} does not exist.")
    with transaction.atomic():
        claim = claim_lock(claim_id)
        task = _lock_task(task_id)
        check("task.requeue", task, role=Role.EDITOR)
        if claim.status != ClaimStatus.CLAIM:
            raise refuse("task.requeue", "claim_demoted", obj=task, claim=claim.pk)
        other = verdict_live_on_claim(claim_id=claim.pk, except_task_id=task.pk)
        if other is not None:
            raise refuse(
                "task.requeue",
                "claim_has_verdict",
                obj=task,
                claim=claim.pk,
                verdict=other.pk,
                verdict_state=other.get_status_display().lower(),
            )
        from_status = task.status
        closed = _end_reviewer_work(task)
        task.status = target("task.requeue")
        task.assignee = None
        task.reviewer = None  # the task is the shared queue's again, no longer its last reviewer's
        try:
            with transaction.atomic():
                _record_move(
                    task,
                    ["status", "assignee", "reviewer", *_LEASE_FIELDS],
                    from_status=from_status,
                    action=EventAction.TASK_REQUEUED,
                    actor=editor,
                    data=closed,
                )
        except IntegrityError:
            raise refuse("task.requeue", "claim_has_open_task", obj=task) from None
    return task


def task_cancel(*, task_id: int, editor: User, reason: str = "") -> ReviewTask:
    editor = require_editor("task.cancel", editor)
    with transaction.atomic():
        task = _lock_task(task_id)
        check("task.cancel", task, role=Role.EDITOR)
        from_status = task.status
        closed = _end_reviewer_work(task)
        task.status = target("task.cancel")
        _record_move(
            task,
            ["status", *_LEASE_FIELDS],
            from_status=from_status,
            action=EventAction.TASK_CANCELLED,
            actor=editor,
            note=reason.strip()[:2000],
            data=closed,
        )
    return task


def task_raise_priority(*, task_id: int, editor: User, by: int = 1000) -> ReviewTask:
    """Move a task up the queue (priority is check-worthiness x 1000, so +1000 outranks any score)."""
    if by <= 0:
        raise ValidationFailed(
            "by: Raise the priority by a positive amount.", field_errors={"by": ["Must be positive."]}
        )
    editor = require_editor("task.raise_priority", editor)
    with transaction.atomic():
        task = _lock_task(task_id)
        check("task.raise_priority", task, role=Role.EDITOR)
        before = task.priority
        task.priority = before + by
        task.save(update_fields=["priority", "updated_at"])
        event_record(
            action=EventAction.TASK_PRIORITY_RAISED,
            actor=editor,
            task=task,
            data={"from": before, "to": task.priority},
        )
    return task
