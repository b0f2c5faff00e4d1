"""Reads for a reviewer's history on their queue page: every verdict they wrote and sent to an editor,
whatever became of it, and their own figures.

Only the reviewer's own verdicts: every read here filters on `reviewer=user`. A correction is a new
version written by an editor (it keeps the reviewer's name for the record), so it is not listed; the
reviewer's version shows as corrected, with the correction's note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reviews.models import EventAction, ReviewEvent, Verdict
from reviews.workflow import VERDICT_SENT

HISTORY_PER_PAGE = 20


def verdicts_of_reviewer(*, user: User) -> QuerySet[Verdict]:
    """The reviewer's verdicts in VERDICT_SENT, latest change first, with what a row shows (claim,
    article, rating, and the correction that replaced a corrected one) in one join."""
    return (
        Verdict.objects.filter(reviewer=user, status__in=VERDICT_SENT, previous__isnull=True)
        .select_related("claim__article", "rating", "next_version")
        .only(
            "id",
            "status",
            "version",
            "summary",
            "editor_note",
            "retraction_note",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
            "retracted_at",
            "claim__text",
            "claim__article__title",
            "rating__name",
            "next_version__id",
            "next_version__correction_note",
            "next_version__published_at",
        )
        .order_by("-updated_at", "-pk")
    )


# The returned rate is read over this many days: recent work, and a read bounded by the desk's activity
# over the window, not by the size of the audit log.
FIGURES_DAYS = 28


@dataclass(frozen=True, slots=True)
class ReviewerFigures:
    week_start: dt.datetime  # Monday 00:00, site time
    submitted_this_week: int  # verdicts (not submissions: a resubmission counts once)
    published_this_week: int
    submissions: int  # submissions and resubmissions in the last FIGURES_DAYS days
    returns: int  # times an editor returned one of their verdicts in the last FIGURES_DAYS days

    @property
    def returned_percent(self) -> int | None:
        """Returns per submission, as a whole percentage; None without a submission in the window."""
        if not self.submissions:
            return None
        return round(100 * self.returns / self.submissions)


def reviewer_figures(*, user: User, now: dt.datetime | None = None) -> ReviewerFigures:
    """The reviewer's own figures, in two queries: one over the audit log's submissions and returns of the
    last FIGURES_DAYS days (ranges of its (action, created_at) index; no join), one over their verdicts
    published this week."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    week_start = dt.datetime.combine(monday, dt.time.min, tzinfo=timezone.get_current_timezone())
    since = min(week_start, now - dt.timedelta(days=FIGURES_DAYS))
    window = Q(created_at__gte=now - dt.timedelta(days=FIGURES_DAYS))
    submitted = Q(action=EventAction.VERDICT_SUBMITTED, actor=user)
    # verdict_return records whom it returned the verdict to; reading it spares a join with every verdict.
    returned = Q(action=EventAction.VERDICT_RETURNED, data__reviewer=user.pk)
    counts = (
        ReviewEvent.objects.filter(created_at__gte=since)
        .filter(submitted | returned)
        .aggregate(
            submitted_this_week=Count(
                "verdict", filter=submitted & Q(created_at__gte=week_start), distinct=True
            ),
            submissions=Count("pk", filter=submitted & window),
            returns=Count("pk", filter=returned & window),
        )
    )
    published = Verdict.objects.filter(
        reviewer=user,
        status__in=VERDICT_SENT,
        previous__isnull=True,  # a correction is the editor's
        published_at__gte=week_start,
    ).count()
    return ReviewerFigures(week_start=week_start, published_this_week=published, **counts)
