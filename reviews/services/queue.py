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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from reviews.exceptions import InvalidTransition, LeaseNotHeld, NotFound, ValidationFailed
from reviews.models import (
    Article,
    Claim,
    ClaimStatus,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.services.events import event_record, event_row
from reviews.services.locks import claim_lock
from reviews.services.rows import (
    Write,
    attnames_of,
    columns_of,
    cursor,
    insert_write,
    row_from_db,
    rows_write,
    update_write,
)
from reviews.services.scorecards import (
    scorecard_mark_changed,
    scorecard_mark_changed_write,
    scorecard_shows_task_move,
)
from reviews.services.verdicts import (
    VerdictInput,
    verdict_abandon_drafts,
    verdict_abandon_open,
    verdict_live_on_claim,
    verdict_prepare_for_task,
    verdict_reads_from_row,
    verdict_reads_sql,
    verdict_validate,
)

SKIP_REASON_MAX = 500


def _lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.FACTCHECK_LEASE_SECONDS)


# The fields a lease sets and `_clear_lease` clears.
_LEASE_FIELDS = ["lease_holder", "lease_token", "lease_expires_at"]


def _clear_lease(task: ReviewTask) -> None:
    task.lease_holder = None
    task.lease_token = None
    task.lease_expires_at = None


def _lock_clause(of: str, *, skip_locked: bool = False) -> str:
    """The row-lock clause the ORM's `select_for_update(of=..., skip_locked=...)` would write; empty on
    databases without row locks (SQLite, the demo's, serialises writing transactions instead)."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    clause = " FOR UPDATE"
    if features.has_select_for_update_of:
        clause += f" OF {of}"
    if skip_locked and features.has_select_for_update_skip_locked:
        clause += " SKIP LOCKED"
    return clause


# The reviewers' queue hot path (next, submit) reads with plain SQL: the ORM spends more CPU compiling a
# locking, joined SELECT than PostgreSQL spends running it, and these statements run once per request of
# every reviewer. Rows become model instances through `row_from_db`, which applies the database's value
# converters as the ORM does (cheaper than a RawQuerySet, which maps its cursor's columns on every call);
# every transition is written by `_record_move` (`rows_write`, reviews/services/rows.py) for the same
# reason. Table names are Django's defaults for these models.
_TASK_ATTNAMES = attnames_of(ReviewTask)
_TASK_COLUMNS = columns_of(ReviewTask, "t")


def _lock_task_sql(columns: str = "", joins: str = "") -> str:
    return (
        f"SELECT {_TASK_COLUMNS}, c.article_id{columns} FROM reviews_reviewtask t"  # noqa: S608
        f" JOIN reviews_claim c ON c.id = t.claim_id{joins} WHERE t.id = %s"
    )


_VERDICT_COLUMNS, _VERDICT_JOINS = verdict_reads_sql(task="t")
_LOCK_TASK_SQL = _lock_task_sql()
_LOCK_TASK_FOR_VERDICT_SQL = _lock_task_sql(f", {_VERDICT_COLUMNS}", _VERDICT_JOINS)


def _lock_task_row(task_id: int, *, rating: str | None = None) -> tuple[ReviewTask, Sequence[Any]]:
    """Lock the task row and return it, with its claim's `article_id` (the claim's other fields are
    deferred: loaded on first use), and the rest of the row: when `rating` is given, the columns of
    `verdict_reads_sql` (that label and the task's open verdict), read in the same statement."""
    params: list[Any] = [task_id] if rating is None else [rating, task_id]
    sql = _LOCK_TASK_SQL if rating is None else _LOCK_TASK_FOR_VERDICT_SQL
    shared = cursor()
    shared.execute(sql + _lock_clause("t"), params)
    row = shared.fetchone()
    if row is None:
        raise NotFound(f"Task {task_id} does not exist.")
    end = len(_TASK_ATTNAMES)
    task = row_from_db(ReviewTask, _TASK_ATTNAMES, row[:end])
    task.claim = Claim.from_db(connection.alias, ["id", "article_id"], [task.claim_id, row[end]])
    return task, row[end + 1 :]


def _lock_task(task_id: int) -> ReviewTask:
    """Lock the task row and return it (see `_lock_task_row`)."""
    return _lock_task_row(task_id)[0]


def _check_lease(
    task: ReviewTask, *, reviewer: User, lease_token: uuid.UUID | str | None, now: dt.datetime
) -> None:
    if task.status != TaskStatus.LEASED or task.lease_holder_id != reviewer.pk:
        raise LeaseNotHeld(
            f"You do not hold task {task.pk}: it was released, expired or taken by someone else. "
            "Nothing was changed; take the next task to continue."
        )
    if lease_token is None or str(task.lease_token) != str(lease_token):
        raise LeaseNotHeld(
            f"The lease token does not match your current lease on task {task.pk} "
            "(it was taken again since). Nothing was changed."
        )
    assert task.lease_expires_at is not None
    if task.lease_expires_at <= now:
        raise LeaseNotHeld(
            f"Your lease on task {task.pk} expired at {task.lease_expires_at:%H:%M:%S} UTC. "
            "Nothing was changed; take the next task to continue."
        )


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
    before: Sequence[Write] = (),
) -> None:
    """Write a queue transition: the task's `changed` fields (and `updated_at`), its audit event from
    `from_status` to the task's new status and, when the move changes what the article's scorecard counts
    (queued, in review), the article's `changed_at`, after the writes `before` (a submission's new
    verdict and citations). On PostgreSQL that is one statement (`rows_write`) instead of three to five.
    The task row is already locked, so the article's lock is still the last one taken, as every service
    takes them.

    Queue moves send no scorecard build message: the stale-scorecard sweeper rebuilds the scorecard within
    `FACTCHECK_SCORECARD_SWEEP_SECONDS` (a minute), and until then it says it is being updated. Counts of
    queued and in-review claims may lag that long; verdict and claim changes still build at once. A
    message per lease cost the reviewers' hot path about 0.5 ms of web CPU and a broker round trip per
    task (bench/queue.py, docs/benchmarks.md)."""
    event = event_row(
        action=action,
        actor=actor,
        task=task,
        verdict=verdict,
        from_status=from_status,
        to_status=task.status,
        note=note,
        data=data,
    )
    writes = [*before, update_write(task, [*changed, "updated_at"]), insert_write([event])]
    if scorecard_shows_task_move(from_status=from_status, to_status=task.status):
        writes.append(scorecard_mark_changed_write(article_id=task.claim.article_id))
    rows_write(writes)


def _lock_held(task_id: int, *, reviewer: User, lease_token: uuid.UUID | str | None) -> ReviewTask:
    """Lock the task and check that `reviewer` holds its lease with `lease_token` (else LeaseNotHeld)."""
    task = _lock_task(task_id)
    _check_lease(task, reviewer=reviewer, lease_token=lease_token, now=timezone.now())
    return task


@dataclass(frozen=True, slots=True)
class _VerdictWork:
    task: ReviewTask
    label: RatingLabel | None
    verdict: Verdict
    writes: list[Write]  # the verdict's, still to run (see `verdict_prepare_for_task`)


def _prepare_verdict(
    task_id: int, *, reviewer: User, lease_token: uuid.UUID | str | None, data: VerdictInput, submit: bool
) -> _VerdictWork:
    """What saving or submitting the reviewer's verdict starts with. Locks the task and checks the lease
    (LeaseNotHeld, 409, first), reading the rating label and the open verdict in the same statement (one
    round trip instead of three); then validates `data` (ValidationFailed, 400; complete when
    submitting) and prepares the verdict, whose writes the caller runs with its own."""
    task, rest = _lock_task_row(task_id, rating=data.rating)
    _check_lease(task, reviewer=reviewer, lease_token=lease_token, now=timezone.now())
    label, open_verdict = verdict_reads_from_row(rest)
    label = verdict_validate(data, complete=submit, label=label)
    verdict, writes = verdict_prepare_for_task(
        task=task, reviewer=reviewer, data=data, submit=submit, label=label, open_verdict=open_verdict
    )
    return _VerdictWork(task=task, label=label, verdict=verdict, writes=writes)


def _was_returned(task: ReviewTask) -> bool:
    return Verdict.objects.filter(task=task, status=VerdictStatus.RETURNED).exists()


def _after_lease_ends(task: ReviewTask) -> TaskStatus:
    """Where a task goes when its lease ends without a submission: back to its reviewer if an editor had
    returned it to them, else back to the shared queue."""
    return TaskStatus.RETURNED if _was_returned(task) else TaskStatus.AVAILABLE


# --------------------------------------------------------------------------------------------------
# Reviewers
# --------------------------------------------------------------------------------------------------


def _reclaim_expired(*, now: dt.datetime, limit: int = 100) -> int:
    """Return expired leases to the queue. Locks only rows nobody else holds (SKIP LOCKED)."""
    expired = list(
        ReviewTask.objects.select_related("claim")
        .select_for_update(skip_locked=True, of=("self",))
        .filter(status=TaskStatus.LEASED, lease_expires_at__lte=now)
        .order_by("lease_expires_at")[:limit]
    )
    events = []
    for task in expired:
        holder_id = task.lease_holder_id
        task.status = _after_lease_ends(task)
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


# What a reviewer holds, and two flags that decide whether the next two steps need to run at all: whether
# any lease anywhere has run out (then it is reclaimed first, so expired work is claimable at once) and
# whether work is reserved for this reviewer (returned to them, or assigned to them by an editor). Run
# after the reviewer's row lock, in a snapshot that sees their previous call's commit. Parameters: now,
# reviewer (three times), now.
_HELD_SQL = (
    "SELECT t.id,"
    " EXISTS (SELECT 1 FROM reviews_reviewtask x WHERE x.status = 'leased' AND x.lease_expires_at <= %s),"
    " EXISTS (SELECT 1 FROM reviews_reviewtask r WHERE (r.status = 'returned' AND r.reviewer_id = %s)"
    "  OR (r.status = 'available' AND r.assignee_id = %s))"
    " FROM (SELECT 1) AS one LEFT JOIN reviews_reviewtask t"
    "  ON t.lease_holder_id = %s AND t.status = 'leased' AND t.lease_expires_at > %s"
    " ORDER BY t.lease_expires_at, t.id"
)

# A candidate task with the claim and article fields the caller shows (the claim's `mentions` and
# `created_at` and the article's other fields are deferred); only the task row is locked, and rows other
# reviewers hold locked are passed over (the lock clause is added at run time).
_CLAIM_FIELDS = [
    "id",
    "article_id",
    "text",
    "start",
    "end",
    "sentence_index",
    "score",
    "claim_type",
    "status",
]
_ARTICLE_FIELDS = ["id", "title", "body"]
_CANDIDATE_SELECT = (
    f"SELECT {_TASK_COLUMNS}, {columns_of(Claim, 'c', _CLAIM_FIELDS)},"  # noqa: S608 (from the models)
    f" {columns_of(Article, 'a', _ARTICLE_FIELDS)}"
    " FROM reviews_reviewtask t JOIN reviews_claim c ON c.id = t.claim_id"
    " JOIN reviews_article a ON a.id = c.article_id"
)
# Work reserved for the reviewer: returned to them first, then assigned to them, each in queue order.
# Parameters: reviewer, reviewer.
_RESERVED_SQL = (
    _CANDIDATE_SELECT + " WHERE (t.status = 'returned' AND t.reviewer_id = %s)"
    " OR (t.status = 'available' AND t.assignee_id = %s)"
    " ORDER BY CASE WHEN t.status = 'returned' THEN 0 ELSE 1 END, t.priority DESC, t.article_date DESC, t.id"
    " LIMIT 1"
)
# The shared queue, skipping tasks the reviewer passed on. Matches the partial index
# reviewtask_claimable_idx: an index scan in queue order that stops at the first unlocked row, however
# many tasks wait. Parameters: reviewer, reviewer.
_QUEUE_SQL = (
    _CANDIDATE_SELECT  # noqa: S608 (constants only; values are parameters)
    + " WHERE t.status = 'available' AND (t.assignee_id IS NULL OR t.assignee_id = %s)"
    " AND NOT EXISTS (SELECT 1 FROM reviews_taskskip s WHERE s.task_id = t.id AND s.reviewer_id = %s)"
    " ORDER BY t.priority DESC, t.article_date DESC, t.id"
    " LIMIT 1"
)


def _lock_reviewer(reviewer: User) -> None:
    """Serialise one reviewer's queue calls: their user row, locked until the transaction ends."""
    sql = "SELECT u.id FROM auth_user u WHERE u.id = %s" + _lock_clause("u")  # noqa: S608
    cursor().execute(sql, [reviewer.pk])


def _held(*, reviewer: User, now: dt.datetime) -> tuple[list[int], bool, bool]:
    """The ids of the tasks `reviewer` holds (soonest to expire first), whether any lease has expired, and
    whether work is reserved for them."""
    at = connection.ops.adapt_datetimefield_value(now)
    shared = cursor()
    shared.execute(_HELD_SQL, [at, reviewer.pk, reviewer.pk, reviewer.pk, at])
    rows = shared.fetchall()
    return [row[0] for row in rows if row[0] is not None], bool(rows[0][1]), bool(rows[0][2])


def _candidate(sql: str, params: list[Any]) -> ReviewTask | None:
    """Run a candidate query (row locked, SKIP LOCKED) and return the task with its claim and article."""
    shared = cursor()
    shared.execute(sql + _lock_clause("t", skip_locked=True), params)
    row = shared.fetchone()
    if row is None:
        return None
    tasks_end = len(_TASK_ATTNAMES)
    claims_end = tasks_end + len(_CLAIM_FIELDS)
    task = row_from_db(ReviewTask, _TASK_ATTNAMES, row[:tasks_end])
    claim = row_from_db(Claim, _CLAIM_FIELDS, row[tasks_end:claims_end])
    claim.article = row_from_db(Article, _ARTICLE_FIELDS, row[claims_end:])
    task.claim = claim
    return task


def _pick_candidate(*, reviewer: User, reserved: bool) -> ReviewTask | None:
    """The best task this reviewer may take, locked. Tasks returned to them come first, then tasks an editor
    assigned to them (looked for only when `reserved` says there are some), then the shared queue in
    priority order (skipping tasks they passed on)."""
    if reserved:
        task = _candidate(_RESERVED_SQL, [reviewer.pk, reviewer.pk])
        if task is not None:
            return task
    return _candidate(_QUEUE_SQL, [reviewer.pk, reviewer.pk])


@dataclass(frozen=True, slots=True)
class NextTask:
    task: ReviewTask
    resumed: bool  # the reviewer already held it


def task_claim_next(*, reviewer: User) -> NextTask | None:
    """Lease the next task to `reviewer`, or give back the one they hold (at most
    FACTCHECK_MAX_LEASES_PER_REVIEWER each). None when nothing is claimable for them. The task comes with
    its claim and the claim's article (title and body; the article's other fields are deferred).

    Locks: the reviewer's user row (serialises one reviewer's calls), then one task row with SKIP LOCKED,
    then the article's row (scorecard request). Six statements when a new task is leased. When leases have
    expired, they are reclaimed first, in a transaction of their own.
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
        _lock_reviewer(reviewer)
        held, expired, reserved = _held(reviewer=reviewer, now=now)
        if len(held) >= settings.FACTCHECK_MAX_LEASES_PER_REVIEWER:
            held_task = ReviewTask.objects.select_related("claim", "claim__article").get(pk=held[0])
            return NextTask(task=held_task, resumed=True)
        if expired and reclaim_first:
            raise _ReclaimFirst
        task = _pick_candidate(reviewer=reviewer, reserved=reserved)
        if task is None:
            return None
        from_status = task.status
        task.status = TaskStatus.LEASED
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
        task = _lock_held(task_id, reviewer=reviewer, lease_token=lease_token)
        task.lease_expires_at = now + _lease_length()
        task.save(update_fields=["lease_expires_at", "updated_at"])
    return task


def task_release(*, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None) -> ReviewTask:
    """Give the task back to the queue; the reviewer's unsent draft is closed (abandoned)."""
    with transaction.atomic():
        task = _lock_held(task_id, reviewer=reviewer, lease_token=lease_token)
        verdict_abandon_drafts(task=task, reviewer=reviewer)
        task.status = _after_lease_ends(task)
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
        task = _lock_held(task_id, reviewer=reviewer, lease_token=lease_token)
        if _was_returned(task):
            raise InvalidTransition(
                f"Task {task.pk} was returned to you by an editor; release it instead of skipping it."
            )
        TaskSkip.objects.create(task=task, reviewer=reviewer, reason=reason)
        verdict_abandon_drafts(task=task, reviewer=reviewer)
        task.status = TaskStatus.AVAILABLE
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
        work = _prepare_verdict(task_id, reviewer=reviewer, lease_token=lease_token, data=data, submit=False)
        event = event_row(
            action=EventAction.TASK_DRAFT_SAVED, actor=reviewer, task=work.task, verdict=work.verdict
        )
        rows_write([*work.writes, insert_write([event])])  # one statement on PostgreSQL
    return work.verdict


def task_submit(
    *, task_id: int, reviewer: User, lease_token: uuid.UUID | str | None, data: VerdictInput
) -> Verdict:
    """Submit the verdict for editor review. The lease is checked first (409, nothing changes), then the
    verdict (400, nothing changes); then verdict, citations, task and audit row are written together."""
    with transaction.atomic():
        work = _prepare_verdict(task_id, reviewer=reviewer, lease_token=lease_token, data=data, submit=True)
        task = work.task
        task.status = TaskStatus.SUBMITTED
        task.reviewer = reviewer
        _clear_lease(task)
        _record_move(
            task,
            ["status", "reviewer", *_LEASE_FIELDS],
            from_status=TaskStatus.LEASED,
            action=EventAction.VERDICT_SUBMITTED,
            actor=reviewer,
            verdict=work.verdict,
            data={"rating": work.label.slug if work.label else None, "citations": len(data.citations)},
            before=work.writes,
        )
    return work.verdict


# --------------------------------------------------------------------------------------------------
# Editors
# --------------------------------------------------------------------------------------------------

_EDITABLE = [TaskStatus.AVAILABLE, TaskStatus.LEASED, TaskStatus.RETURNED]


def _editor_transition(task: ReviewTask, *, allowed: list[TaskStatus], verb: str) -> None:
    if task.status not in allowed:
        raise InvalidTransition(
            f"Task {task.pk} is {task.get_status_display().lower()}; it cannot be {verb}."
        )


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
    if not reviewer.has_perm("reviews.work_queue"):
        raise ValidationFailed(
            f"{reviewer.get_username()} is not a reviewer.",
            field_errors={"reviewer": ["Not in the Reviewers group."]},
        )
    with transaction.atomic():
        task = _lock_task(task_id)
        _editor_transition(task, allowed=[TaskStatus.AVAILABLE, TaskStatus.LEASED], verb="assigned")
        from_status = task.status
        previous = task.assignee_id
        if task.status == TaskStatus.LEASED and task.lease_holder_id != reviewer.pk:
            _drop_lease(task)
            task.status = TaskStatus.AVAILABLE
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
    with transaction.atomic():
        task = _lock_task(task_id)
        _editor_transition(task, allowed=[TaskStatus.LEASED], verb="released")
        holder = _drop_lease(task)
        task.status = _after_lease_ends(task)
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
    claim_id = ReviewTask.objects.filter(pk=task_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise NotFound(f"Task {task_id} does not exist.")
    with transaction.atomic():
        claim = claim_lock(claim_id)
        task = _lock_task(task_id)
        _editor_transition(
            task, allowed=[TaskStatus.CANCELLED, TaskStatus.LEASED, TaskStatus.RETURNED], verb="requeued"
        )
        if claim.status != ClaimStatus.CLAIM:
            raise InvalidTransition(
                f"Task {task.pk} cannot be requeued: its claim {claim.pk} was demoted to a scored "
                "sentence. Promote the sentence to queue it again."
            )
        other = verdict_live_on_claim(claim_id=claim.pk, except_task_id=task.pk)
        if other is not None:
            raise InvalidTransition(
                f"Task {task.pk} cannot be requeued: claim {claim.pk} already has verdict {other.pk} "
                f"({other.get_status_display().lower()}); a second review would give it two."
            )
        from_status = task.status
        closed = _end_reviewer_work(task)
        task.status = TaskStatus.AVAILABLE
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
            raise InvalidTransition(
                f"Task {task.pk} cannot be requeued: its claim already has another open task."
            ) from None
    return task


def task_cancel(*, task_id: int, editor: User, reason: str = "") -> ReviewTask:
    with transaction.atomic():
        task = _lock_task(task_id)
        _editor_transition(task, allowed=_EDITABLE, verb="cancelled")
        from_status = task.status
        closed = _end_reviewer_work(task)
        task.status = TaskStatus.CANCELLED
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
    with transaction.atomic():
        task = _lock_task(task_id)
        _editor_transition(task, allowed=_EDITABLE, verb="reprioritised")
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
