"""Reads. Selectors own select_related/prefetch_related so no caller causes N+1 queries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from reviews.exceptions import ApplicationError
from reviews.models import (
    PUBLISHED_LINEAGE,
    Claim,
    EventAction,
    RatingLabel,
    ReviewEvent,
    ReviewTask,
    TaskSkip,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_reuse import ClaimMatches, claim_matches
from reviews.workflow import LEASE_FROM, VERDICT_HOLDING_CLAIM, Role, refusal, states_allowing

CONTEXT_CHARS = 400


def _tasks_with_claims() -> QuerySet[ReviewTask]:
    return ReviewTask.objects.select_related("claim", "claim__article")


def tasks_of_reviewer(*, user: User) -> QuerySet[ReviewTask]:
    """Every task the reviewer holds or worked on, newest activity first; never one another reviewer holds
    now (an editor reassigned it, or it went back to the queue and someone took it): its lease is theirs."""
    return (
        _tasks_with_claims()
        .filter(
            Q(status=TaskStatus.LEASED, lease_holder=user) | (Q(reviewer=user) & ~Q(status=TaskStatus.LEASED))
        )
        .order_by("-updated_at", "-id")
    )


def claim_context(*, claim: Claim, chars: int = CONTEXT_CHARS) -> dict[str, str]:
    """The claim with up to `chars` characters of its article on each side, cut at word boundaries, so a
    reviewer reads it where it stands. `before + text + after` is a slice of the article's body."""
    body = claim.article.body
    start = max(0, claim.start - chars)
    if start > 0:
        space = body.find(" ", start, claim.start)
        start = space + 1 if space != -1 else start
    end = min(len(body), claim.end + chars)
    if end < len(body):
        space = body.rfind(" ", claim.end, end)
        end = space if space != -1 else end
    return {
        "before": body[start : claim.start],
        "text": body[claim.start : claim.end],
        "after": body[claim.end : end],
    }


# --------------------------------------------------------------------------------------------------
# Reviewer workspace: the "My queue" and task pages
# --------------------------------------------------------------------------------------------------

# Counting every claimable row on each page view would scan the whole queue (a million rows at scale);
# the page only needs to tell "some" from "lots", so the count stops here (COUNT over a LIMIT subquery).
WAITING_COUNT_CAP = 1000
SUBMITTED_SHOWN = 50
# Similar claims are ranked in Python from this many of the most recently published candidates.
RELATED_CANDIDATES = 100
RELATED_SHOWN = 5
SIMILAR_WORDING = 0.5  # Jaccard overlap of content words from which two claims count as similar
_WORD = re.compile(r"[^\W\d_]{4,}")
_STOP_WORDS_TEXT = (
    "about above after again against also among because been before being below between both could "
    "does doing down during each from further have having here into just more most much must only "
    "other over said same says should since some such than that their them then there these they "
    "this those through under until very were what when where which while will with would your"
)
_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class QueueRow:
    task: ReviewTask
    verdict: Verdict  # the submitted verdict, or the returned one with the editor's note


@dataclass(frozen=True, slots=True)
class ReviewerQueue:
    waiting: int  # claimable for this reviewer, at most WAITING_COUNT_CAP + 1
    waiting_capped: bool  # more than WAITING_COUNT_CAP wait
    held: list[ReviewTask]
    returned: list[QueueRow]
    submitted: list[QueueRow]


def _claimable_for(*, user: User, now: dt.datetime) -> QuerySet[ReviewTask]:
    """What `task_claim_next` may hand this reviewer from the shared queue (the workflow's `task.lease`:
    a queued task, or a lease that ran out), not reserved for someone else and not skipped by them."""
    skipped = TaskSkip.objects.filter(task=OuterRef("pk"), reviewer=user)
    return (
        ReviewTask.objects.filter(
            Q(status=LEASE_FROM.queue) | Q(status=LEASE_FROM.expired, lease_expires_at__lte=now)
        )
        .filter(Q(assignee__isnull=True) | Q(assignee=user))
        .filter(~Exists(skipped))
    )


def reviewer_queue(*, user: User) -> ReviewerQueue:
    """The "My queue" page in four queries: how many tasks wait for the reviewer, what they hold, what came
    back to them (with the editor's note) and what they submitted."""
    now = timezone.now()
    waiting = _claimable_for(user=user, now=now)[: WAITING_COUNT_CAP + 1].count()
    held = list(
        _tasks_with_claims()
        .filter(status=TaskStatus.LEASED, lease_holder=user)
        .order_by("lease_expires_at", "id")
    )
    verdicts = Verdict.objects.select_related("task__claim__article", "rating")
    returned = verdicts.filter(
        status=VerdictStatus.RETURNED, task__status=TaskStatus.RETURNED, task__reviewer=user
    ).order_by("-updated_at", "-id")
    submitted = verdicts.filter(
        status=VerdictStatus.SUBMITTED, reviewer=user, task__status=TaskStatus.SUBMITTED
    ).order_by("-submitted_at", "-id")[:SUBMITTED_SHOWN]
    return ReviewerQueue(
        waiting=min(waiting, WAITING_COUNT_CAP),
        waiting_capped=waiting > WAITING_COUNT_CAP,
        held=held,
        returned=[QueueRow(task=v.task, verdict=v) for v in returned if v.task is not None],
        submitted=[QueueRow(task=v.task, verdict=v) for v in submitted if v.task is not None],
    )


def reviewer_task(*, user: User, task_id: int, include_former: bool = False) -> ReviewTask | None:
    """The task if it is the reviewer's own work: leased to them, or returned to them by an editor.

    `include_former` also admits a task they held before (their lease ended), so a late form post can be
    shown back to them with what they typed; the services still refuse to change it.
    """
    mine = Q(status=TaskStatus.LEASED, lease_holder=user) | Q(status=TaskStatus.RETURNED, reviewer=user)
    if include_former:
        mine |= Q(
            Exists(
                ReviewEvent.objects.filter(task=OuterRef("pk"), action=EventAction.TASK_LEASED, actor=user)
            )
        )
    return _tasks_with_claims().filter(mine, pk=task_id).first()


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    is_claim: bool
    starts_claim: bool = False  # the first piece of the claim, where a page anchors it


@dataclass(frozen=True, slots=True)
class RelatedVerdict:
    verdict: Verdict
    same_claim: bool
    shared: list[str]  # what makes it similar: the numbers and dates both claims mention, or the wording


@dataclass(frozen=True, slots=True)
class TaskWorkspace:
    task: ReviewTask
    held: bool  # leased to the reviewer (possibly expired: the services decide)
    verdict: Verdict | None  # the reviewer's open draft or returned verdict, citations prefetched
    paragraphs: list[list[Segment]]
    related: list[RelatedVerdict]
    matches: ClaimMatches  # the same claim in other articles, published verdicts first; its conflicts


def article_paragraphs(*, claim: Claim) -> list[list[Segment]]:
    """The claim's article body as paragraphs (split at blank lines), with the claim's span flagged so a
    page can highlight it where it stands."""
    body = claim.article.body
    start, end = (claim.start, claim.end) if 0 <= claim.start < claim.end <= len(body) else (0, 0)
    paragraphs: list[list[Segment]] = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", body, flags=re.DOTALL):
        p_start, p_end = match.span()
        segments = []
        for s, e, flag in (
            (p_start, min(p_end, start), False),
            (max(p_start, start), min(p_end, end), True),
            (max(p_start, end), p_end, False),
        ):
            if s < e:
                segments.append(Segment(text=body[s:e], is_claim=flag, starts_claim=flag and s == start))
        if not any(seg.is_claim for seg in segments):
            segments = [Segment(text=body[p_start:p_end], is_claim=False)]
        paragraphs.append(segments)
    return paragraphs


def _content_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOP_WORDS}


def _number_keys(mentions: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (n.get("text", ""), {"value": n["value"], "unit": n.get("unit", "")})
        for n in mentions.get("numbers") or []
        if isinstance(n, dict) and n.get("value") is not None
    ]


def _date_keys(mentions: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (d.get("text", ""), {k: d[k] for k in ("year", "month", "day") if d.get(k) is not None})
        for d in mentions.get("dates") or []
        if isinstance(d, dict) and d.get("year") is not None
    ]


def claim_related_verdicts(*, claim: Claim, limit: int = RELATED_SHOWN) -> list[RelatedVerdict]:
    """Earlier published verdicts on this claim (any version), then published verdicts on similar claims:
    ones mentioning the same number or date values, or worded much the same. One query.

    The database narrows the candidates (JSON containment on `mentions` on PostgreSQL, the mentions' text
    elsewhere, and the claim's longest words); the ranking runs here on at most RELATED_CANDIDATES rows.
    """
    numbers, dates = _number_keys(claim.mentions or {}), _date_keys(claim.mentions or {})
    words = _content_words(claim.text)
    similar = Q()
    for word in sorted(words, key=lambda w: (-len(w), w))[:4]:
        similar |= Q(claim__text__icontains=word)
    for key, values in (("numbers", numbers), ("dates", dates)):
        for text, value in values:
            if connection.vendor == "postgresql":
                similar |= Q(claim__mentions__contains={key: [value]})
            elif text:
                similar |= Q(claim__text__icontains=text)
    scope = Q(claim=claim, status__in=PUBLISHED_LINEAGE)
    if similar:
        scope |= Q(similar, status=VerdictStatus.PUBLISHED) & ~Q(claim=claim)
    candidates = (
        Verdict.objects.filter(scope)
        .select_related("claim", "claim__article", "rating")
        .order_by("-published_at", "-id")[:RELATED_CANDIDATES]
    )
    ranked: list[tuple[tuple[int, float], RelatedVerdict]] = []
    for verdict in candidates:
        if verdict.claim_id == claim.pk:
            ranked.append(((1, 0.0), RelatedVerdict(verdict=verdict, same_claim=True, shared=[])))
            continue
        other = verdict.claim.mentions or {}
        other_numbers = [value for _, value in _number_keys(other)]
        other_dates = [value for _, value in _date_keys(other)]
        shared = [text for text, value in numbers if value in other_numbers]
        shared += [
            text
            for text, value in dates
            if any(value.items() <= other_date.items() for other_date in other_dates)
        ]
        other_words = _content_words(verdict.claim.text)
        overlap = len(words & other_words) / len(words | other_words) if words and other_words else 0.0
        if overlap >= SIMILAR_WORDING:
            shared.append("similar wording")
        if shared:
            ranked.append(
                ((0, len(shared) + overlap), RelatedVerdict(verdict=verdict, same_claim=False, shared=shared))
            )
    ranked.sort(key=lambda item: item[0], reverse=True)
    return [related for _, related in ranked[:limit]]


def rating_labels_active() -> list[RatingLabel]:
    return list(rating_labels_offered())


def rating_labels_offered(*, current: RatingLabel | None = None) -> QuerySet[RatingLabel]:
    """The ratings an editor may choose: the active ones, plus the verdict's own if it was retired since
    (publishing then says so)."""
    labels = RatingLabel.objects.filter(is_active=True)
    if current is not None:
        labels = labels | RatingLabel.objects.filter(pk=current.pk)
    return labels.order_by("order", "id")


def task_with_claim(*, task_id: int) -> ReviewTask:
    """A task as the queue API answers it after an action: with its claim and article."""
    return ReviewTask.objects.select_related("claim", "claim__article").get(pk=task_id)


def verdict_with_citations(*, verdict_id: int) -> Verdict:
    """A verdict as the queue API answers it after a reuse: with its rating and citations."""
    return Verdict.objects.select_related("rating").prefetch_related("citations").get(pk=verdict_id)


def task_workspace(*, task: ReviewTask, user: User) -> TaskWorkspace:
    """Everything the task page shows around `task` (from `reviewer_task`): the article split into
    paragraphs with the claim flagged, the reviewer's own open verdict, related verdicts, and the claims
    matched with it in other articles with their published verdicts and conflicts (`claim_matches`). Three
    queries without a draft or a match, at most eight."""
    verdict = (
        # The verdict the reviewer can still save (the workflow table's verdict.save_draft).
        Verdict.objects.filter(task=task, reviewer=user, status__in=states_allowing("verdict.save_draft"))
        # The origin of a reused draft, in the same query: the page warns when it has been retracted.
        .select_related("rating", "reused_from")
        .prefetch_related("citations")
        .order_by("-updated_at", "-id")
        .first()
    )
    return TaskWorkspace(
        task=task,
        held=task.status == TaskStatus.LEASED and task.lease_holder_id == user.pk,
        verdict=verdict,
        paragraphs=article_paragraphs(claim=task.claim),
        related=claim_related_verdicts(claim=task.claim),
        matches=claim_matches(claim=task.claim),
    )


def verdict_live_on_claim(*, claim_id: int, except_task_id: int | None = None) -> Verdict | None:
    """The claim's latest verdict in progress or published (not one of task `except_task_id`'s), or None:
    while there is one, nobody else may write or review the claim's verdict. The services that enforce
    that (requeueing a task, an editor writing the verdict) call it under the claim's lock."""
    verdicts = Verdict.objects.filter(claim_id=claim_id, status__in=VERDICT_HOLDING_CLAIM)
    if except_task_id is not None:
        verdicts = verdicts.exclude(task_id=except_task_id)
    return verdicts.order_by("-id").first()


def verdict_action_refusal(*, action: str, verdict: Verdict) -> ApplicationError | None:
    """Why an editor may not take `action` ("verdict.publish", ...) on `verdict` as it stands: the
    workflow table's refusal (a superseded version's names the latest one), or None. For interfaces
    deciding what to offer; the action's service checks again under its locks, with what only the
    database can answer."""

    def latest() -> int | None:  # the claim's latest published version, asked only when a refusal names it
        lineage = Verdict.objects.filter(claim_id=verdict.claim_id, status__in=PUBLISHED_LINEAGE)
        return lineage.order_by("-version").values_list("pk", flat=True).first()

    return refusal(action, verdict, role=Role.EDITOR, latest=latest)
