"""Reads for the editors' triage page (the admin index): what waits for an editor, the queue's depth by
priority band, and who submitted how much on which day.

`desk_triage` costs TRIAGE_QUERIES queries whatever the size of the tables: every figure is a COUNT
(several per query, with `filter=`), the oldest submissions are a LIMIT, and the throughput is one GROUP BY
over the last weeks' submission events, whose rows are bounded by reviewers x days, not by the tables.

The queue's bands are counted up to DEPTH_COUNT_CAP each (COUNT over a LIMIT subquery, a short range of
the claimable rows' partial index): counting every available task exactly read the whole queue on each
visit to the index (docs/benchmarks.md, triage page), and past the cap an editor needs the order of
magnitude, not the figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from reviews.models import (
    ClaimConflict,
    ClaimMatch,
    EventAction,
    MatchStatus,
    ReviewEvent,
    ReviewTask,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.workflow import VERDICT_IN_REVIEW, states_allowing

OLDEST_SHOWN = 5
THROUGHPUT_DAYS = 28
DEPTH_COUNT_CAP = 10_000
TRIAGE_QUERIES = 10


@dataclass(frozen=True, slots=True)
class PriorityBand:
    """A band of task priority (check-worthiness x 1000, raised by editors 1000 at a time), `low`
    inclusive, `high` exclusive; the task list's priority filter offers the same bands."""

    slug: str
    label: str
    low: int | None
    high: int | None

    def q(self) -> Q:
        condition = Q()
        if self.low is not None:
            condition &= Q(priority__gte=self.low)
        if self.high is not None:
            condition &= Q(priority__lt=self.high)
        return condition


PRIORITY_BANDS = (
    PriorityBand("raised", "Raised by an editor (1000+)", 1000, None),
    PriorityBand("high", "High (800 to 999)", 800, 1000),
    PriorityBand("medium", "Medium (500 to 799)", 500, 800),
    PriorityBand("low", "Low (below 500)", None, 500),
)


@dataclass(frozen=True, slots=True)
class WaitingVerdict:
    verdict: Verdict  # claim, article and reviewer joined
    age: dt.timedelta  # since it was submitted


@dataclass(frozen=True, slots=True)
class BandDepth:
    band: PriorityBand
    count: int  # at most DEPTH_COUNT_CAP
    capped: bool  # more than DEPTH_COUNT_CAP wait in the band


@dataclass(frozen=True, slots=True)
class ReviewerThroughput:
    user_id: int | None
    username: str
    total: int
    per_day: list[int]  # one count per day of `Throughput.days`


@dataclass(frozen=True, slots=True)
class Throughput:
    """Verdicts submitted (first submissions and resubmissions, by reviewers and by editors writing one
    themselves) per day and per person, from the audit log's `verdict.submitted` events."""

    days: list[dt.date]  # oldest first, today last
    per_day: list[int]
    reviewers: list[ReviewerThroughput]  # most submissions first

    @property
    def total(self) -> int:
        return sum(self.per_day)

    @property
    def since(self) -> dt.date:
        return self.days[0]


@dataclass(frozen=True, slots=True)
class Triage:
    now: dt.datetime
    submitted: int  # verdicts waiting for an editor
    oldest_submitted: list[WaitingVerdict]  # the OLDEST_SHOWN longest waiting, oldest first
    returned: int  # verdicts returned to their reviewer, not resubmitted yet
    matches_to_confirm: int  # suggested by matching, not decided by an editor
    open_conflicts: int
    leases_expired: int  # leased tasks whose lease ran out (claimable again; the sweep ends them)
    depth: list[BandDepth]  # available tasks per priority band, highest band first
    throughput: Throughput

    @property
    def queue_depth(self) -> int:
        return sum(row.count for row in self.depth)

    @property
    def queue_depth_capped(self) -> bool:
        """`queue_depth` is a lower bound: some band has more than DEPTH_COUNT_CAP tasks."""
        return any(row.capped for row in self.depth)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def desk_throughput(*, now: dt.datetime, days: int = THROUGHPUT_DAYS) -> Throughput:
    """Submissions per day and per person over the `days` days ending today (one query)."""
    today = timezone.localdate(now)
    day_list = [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    rows = (
        ReviewEvent.objects.filter(
            action=EventAction.VERDICT_SUBMITTED, created_at__gte=day_start(day_list[0])
        )
        .annotate(day=TruncDate("created_at"))
        .values("actor_id", "actor__username", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    index = {day: position for position, day in enumerate(day_list)}
    per_day = [0] * days
    people: dict[int | None, tuple[str, list[int]]] = {}
    for row in rows:
        position = index.get(row["day"])
        if position is None:  # an event stamped after today (clock skew): not in the chart
            continue
        per_day[position] += row["n"]
        name = row["actor__username"] or "(deleted user)"
        people.setdefault(row["actor_id"], (name, [0] * days))[1][position] += row["n"]
    reviewers = sorted(
        (
            ReviewerThroughput(user_id=user_id, username=name, total=sum(counts), per_day=counts)
            for user_id, (name, counts) in people.items()
        ),
        key=lambda r: (-r.total, r.username),
    )
    return Throughput(days=day_list, per_day=per_day, reviewers=reviewers)


def desk_triage(*, now: dt.datetime | None = None) -> Triage:
    """Everything the triage page shows, in TRIAGE_QUERIES queries."""
    now = now or timezone.now()
    verdict_counts = Verdict.objects.filter(status__in=VERDICT_IN_REVIEW).aggregate(
        submitted=Count("pk", filter=Q(status=VerdictStatus.SUBMITTED)),
        returned=Count("pk", filter=Q(status=VerdictStatus.RETURNED)),
    )
    oldest = (
        Verdict.objects.filter(status=VerdictStatus.SUBMITTED)
        .select_related("claim__article", "reviewer", "editor", "rating")
        .only(
            "pk",
            "submitted_at",
            "created_at",
            "claim__text",
            "claim__article__title",
            "reviewer__username",
            "editor__username",
            "rating__name",
        )
        .order_by("submitted_at", "pk")[:OLDEST_SHOWN]
    )
    available = ReviewTask.objects.filter(status=TaskStatus.AVAILABLE)
    band_counts = [available.filter(band.q())[: DEPTH_COUNT_CAP + 1].count() for band in PRIORITY_BANDS]
    return Triage(
        now=now,
        submitted=verdict_counts["submitted"],
        oldest_submitted=[
            WaitingVerdict(verdict=v, age=now - (v.submitted_at or v.created_at)) for v in oldest
        ],
        returned=verdict_counts["returned"],
        matches_to_confirm=ClaimMatch.objects.filter(status=MatchStatus.SUGGESTED).count(),
        open_conflicts=ClaimConflict.objects.open().count(),
        leases_expired=ReviewTask.objects.filter(
            status__in=states_allowing("task.expire"), lease_expires_at__lte=now
        ).count(),
        depth=[
            BandDepth(band=band, count=min(n, DEPTH_COUNT_CAP), capped=n > DEPTH_COUNT_CAP)
            for band, n in zip(PRIORITY_BANDS, band_counts, strict=True)
        ],
        throughput=desk_throughput(now=now),
    )
