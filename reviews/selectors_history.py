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

from reviews.models import EventAction, ReviewEvent, Verdict, VerdictStatus

# What a reviewer sent to an editor: drafts (theirs, still open, on the task they hold) and abandoned
# drafts never left their hands.
HISTORY_STATES = (
    VerdictStatus.SUBMITTED,
    VerdictStatus.RETURNED,
    VerdictStatus.PUBLISHED,
    VerdictStatus.SUPERSEDED,
    VerdictStatus.RETRACTED,
)
HISTORY_PER_PAGE = 20


def verdicts_of_reviewer(*, user: User) -> QuerySet[Verdict]:
    """The reviewer's verdicts in HISTORY_STATES, latest change first, with what a row shows (claim,
    article, rating, and the correction that replaced a corrected one) in one join."""
    return (
        Verdict.objects.filter(reviewer=user, status__in=HISTORY_STATES, previous__isnull=True)
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


@dataclass(frozen=True, slots=True)
class ReviewerFigures:
    week_start: dt.datetime  # Monday 00:00, site time
    submitted_this_week: int  # verdicts (not submissions: a resubmission counts once)
    published_this_week: int
    submissions: int  # every submission and resubmission, ever
    returns: int  # every time an editor returned one of their verdicts

    @property
    def returned_percent(self) -> int | None:
        """Returns per submission, as a whole percentage; None before the first submission."""
        if not self.submissions:
            return None
        return round(100 * self.returns / self.submissions)


def reviewer_figures(*, user: User, now: dt.datetime | None = None) -> ReviewerFigures:
    """The reviewer's own figures from the audit log, in one query."""
    today = timezone.localdate(now or timezone.now())
    monday = today - dt.timedelta(days=today.weekday())
    week_start = dt.datetime.combine(monday, dt.time.min, tzinfo=timezone.get_current_timezone())
    submitted = Q(action=EventAction.VERDICT_SUBMITTED, actor=user)
    returned = Q(action=EventAction.VERDICT_RETURNED, verdict__reviewer=user)
    # Corrections are recorded as `verdict.corrected`: only the reviewer's own version's publication counts.
    published = Q(action=EventAction.VERDICT_PUBLISHED, verdict__reviewer=user)
    this_week = Q(created_at__gte=week_start)
    counts = ReviewEvent.objects.filter(submitted | returned | published).aggregate(
        submitted_this_week=Count("verdict", filter=submitted & this_week, distinct=True),
        published_this_week=Count("verdict", filter=published & this_week, distinct=True),
        submissions=Count("pk", filter=submitted),
        returns=Count("pk", filter=returned),
    )
    return ReviewerFigures(week_start=week_start, **counts)
