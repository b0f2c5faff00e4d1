"""Reads behind the matching API (`GET /api/v1/claims/{id}/matches/`, `GET /api/v1/conflicts/`).

Who sees what, decided here once:
- editors (`reviews.publish_verdict`) see every live match (suggested or confirmed) and every conflict;
- a reviewer sees the matches and conflicts of the claims they hold (a task leased to them, or submitted
  or returned with them as its reviewer), whether or not anything is published;
- everybody else (API consumers, anonymous callers, reviewers for claims they do not hold) sees matches
  only between two claims that both have a published verdict, and no conflicts.
Rejected matches are never shown (they link two different claims); a rejected match has no conflicts.

Also which articles' matching is due again (`matching_due_ids`), for the sweep that sends it
(reviews.services.matching.matching_sweep).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, When
from django.utils import timezone

from reviews.models import (
    Article,
    Claim,
    ClaimConflict,
    ClaimMatch,
    MatchingStatus,
    MatchStatus,
    ReviewTask,
    TaskStatus,
    Verdict,
)
from reviews.selectors_public import sees_unpublished
from reviews.workflow import TASK_WITH_REVIEWER

# A failed article is retried after this, times its attempts so far (capped), so a persistent failure
# costs a few runs an hour, not one a minute.
RETRY_AFTER = dt.timedelta(minutes=2)
RETRY_AFTER_MAX = dt.timedelta(hours=1)
SWEEP_LIMIT = 500


def _held_tasks(user: Any) -> QuerySet[ReviewTask]:
    """The tasks `user` holds now: leased to them, or submitted or returned with them as the reviewer."""
    if user is None or not user.is_authenticated:
        return ReviewTask.objects.none()
    return ReviewTask.objects.filter(
        Q(status=TaskStatus.LEASED, lease_holder=user) | Q(status__in=TASK_WITH_REVIEWER, reviewer=user)
    )


def _published_on(claim_ref: str) -> Exists:
    return Exists(Verdict.objects.published().filter(claim_id=OuterRef(claim_ref)))


@dataclass(frozen=True, slots=True)
class MatchesAccess:
    """What `user` may see of one claim's matches: `full` (editor, or a reviewer holding the claim:
    every live match, with conflicts) or public (only matches with published claims, no conflicts)."""

    claim: Claim
    full: bool


def claim_matches_access(*, user: Any, claim_id: int) -> MatchesAccess | None:
    """None when the claim does not exist or `user` may not see it (not an editor, does not hold it, and
    it has no published verdict): the caller answers 404 either way, so its existence does not leak."""
    claim = Claim.objects.filter(pk=claim_id).annotate(published=_published_on("pk")).only("pk").first()
    if claim is None:
        return None
    if sees_unpublished(user) or _held_tasks(user).filter(claim_id=claim_id).exists():
        return MatchesAccess(claim=claim, full=True)
    if getattr(claim, "published", False):
        return MatchesAccess(claim=claim, full=False)
    return None


def claim_matches_visible(*, access: MatchesAccess) -> QuerySet[ClaimMatch]:
    """The claim's live matches that the access allows, best first, each annotated with `other_id` (the
    matched claim) and `other_article_id`."""
    claim_id = access.claim.pk
    matches = (
        ClaimMatch.objects.live()
        .of_claim(claim_id)
        .annotate(
            other_id=Case(
                When(claim_id=claim_id, then=F("other_claim_id")),
                default=F("claim_id"),
                output_field=IntegerField(),
            ),
            other_article_id=Case(
                When(claim_id=claim_id, then=F("other_claim__article_id")),
                default=F("claim__article_id"),
                output_field=IntegerField(),
            ),
        )
    )
    if not access.full:
        matches = matches.filter(_published_on("other_id"))
    return matches.order_by("-similarity", "id")


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A conflict read from the requested claim's side: `value` is what that claim states."""

    id: int
    kind: str
    value: str
    other_value: str
    sentence: str
    other_sentence: str
    resolved: bool


@dataclass(frozen=True, slots=True)
class MatchRow:
    id: int
    claim: int  # the matched claim
    article: int  # its article
    similarity: float
    status: str
    verdict: Verdict | None  # its published verdict, rating loaded
    conflicts: list[ConflictRow] = field(default_factory=list)


def match_rows(*, access: MatchesAccess, matches: list[ClaimMatch]) -> list[MatchRow]:
    """The rows of a page of `claim_matches_visible`: two queries whatever the page size (published
    verdicts of the matched claims; the pairs' conflicts, only with full access)."""
    if not matches:
        return []
    claim_id = access.claim.pk
    others = [match.other_id for match in matches]  # type: ignore[attr-defined]
    verdicts = {
        verdict.claim_id: verdict
        for verdict in Verdict.objects.published().filter(claim_id__in=others).select_related("rating")
    }
    conflicts: dict[int, list[ConflictRow]] = defaultdict(list)
    if access.full:
        for conflict in (
            ClaimConflict.objects.filter(match__in=[m.pk for m in matches])
            .select_related("match")
            .order_by("resolved", "kind", "id")
        ):
            conflicts[conflict.match_id].append(conflict_side(conflict, claim_id=claim_id))
    return [
        MatchRow(
            id=match.pk,
            claim=match.other_id,  # type: ignore[attr-defined]
            article=match.other_article_id,  # type: ignore[attr-defined]
            similarity=match.similarity,
            status=match.status,
            verdict=verdicts.get(match.other_id),  # type: ignore[attr-defined]
            conflicts=conflicts.get(match.pk, []),
        )
        for match in matches
    ]


def conflict_side(conflict: ClaimConflict, *, claim_id: int) -> ConflictRow:
    """`conflict` as read from `claim_id`'s side of its match."""
    mine = conflict.match.claim_id == claim_id
    return ConflictRow(
        id=conflict.pk,
        kind=conflict.kind,
        value=conflict.value if mine else conflict.other_value,
        other_value=conflict.other_value if mine else conflict.value,
        sentence=conflict.sentence if mine else conflict.other_sentence,
        other_sentence=conflict.other_sentence if mine else conflict.sentence,
        resolved=conflict.resolved,
    )


def conflicts_visible(*, user: Any) -> QuerySet[ClaimConflict]:
    """Conflicts `user` may list: all for editors, those of claims a reviewer holds, none for anybody
    else. Annotated with `claim_id`/`other_claim_id` and the two articles; newest first."""
    conflicts = ClaimConflict.objects.exclude(match__status=MatchStatus.REJECTED)
    if not sees_unpublished(user):
        held = _held_tasks(user).values("claim_id")
        if not held.exists():
            return ClaimConflict.objects.none()
        conflicts = conflicts.filter(Q(match__claim_id__in=held) | Q(match__other_claim_id__in=held))
    return (
        conflicts.select_related("match")
        .annotate(
            claim_id=F("match__claim_id"),
            other_claim_id=F("match__other_claim_id"),
            article_id=F("match__claim__article_id"),
            other_article_id=F("match__other_claim__article_id"),
        )
        .order_by("-created_at", "-id")
    )


def articles_in_open_conflict_with(*, claim_ids: list[int], besides: int) -> list[int]:
    """The articles, other than `besides`, whose scorecards count an open conflict with one of these
    claims, in primary-key order (the order their rows are locked in)."""
    pairs = (
        ClaimConflict.objects.open()
        .filter(Q(match__claim_id__in=claim_ids) | Q(match__other_claim_id__in=claim_ids))
        .values_list("match__claim__article_id", "match__other_claim__article_id")
        .distinct()
    )
    return sorted({side for pair in pairs for side in pair} - {besides})


def lost_after() -> dt.timedelta:
    """How long after its request a pending article's matching is presumed lost (broker down when it was
    sent, worker killed) and sent again: `FACTCHECK_MATCH_RESEND_SECONDS`."""
    return dt.timedelta(seconds=settings.FACTCHECK_MATCH_RESEND_SECONDS)


def matching_due_ids(*, now: dt.datetime | None = None, limit: int = SWEEP_LIMIT) -> list[int]:
    """Extracted articles whose matching was lost (pending for `lost_after()`) or failed long enough ago to
    retry (`RETRY_AFTER` times the attempts so far, at most `RETRY_AFTER_MAX`), oldest first."""
    now = now or timezone.now()
    todo = (
        Article.objects.ready().exclude(matching_status=MatchingStatus.DONE).order_by("matching_changed_at")
    )
    due: list[int] = []
    lost = lost_after()
    for pk, status, changed_at, attempts in todo.values_list(
        "pk", "matching_status", "matching_changed_at", "matching_attempts"
    )[: limit * 4]:
        wait = (
            lost if status == MatchingStatus.PENDING else min(RETRY_AFTER * max(attempts, 1), RETRY_AFTER_MAX)
        )
        if changed_at <= now - wait:
            due.append(pk)
        if len(due) >= limit:
            break
    return due
