"""The admin site of the editors' desk: Django's, with the triage page on top of its index for editors.

Installed as the default admin site by `reviews.desk_apps.DeskAdminConfig` (it replaces
`django.contrib.admin` in INSTALLED_APPS), so `admin.site` is this class and every `@admin.register`
lands on it. It lives outside the `reviews.admin` package, whose modules register models on
`admin.site` as they are imported: the site must exist before they run.

The figures come from one selector, `reviews.selectors_triage.desk_triage`; this module only adds what the
page links to (the admin lists behind each figure, filtered) and the chart's geometry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from reviews import roles
from reviews.models import EventAction, MatchStatus, TaskStatus, VerdictStatus
from reviews.selectors_triage import DEPTH_COUNT_CAP, Triage, day_start, desk_triage

# The chart's drawing area, in SVG user units: one slot per day, bars up to CHART_HEIGHT tall.
CHART_SLOT = 12
CHART_BAR = 9
CHART_HEIGHT = 100


def _changelist(model: str, **params: object) -> str:
    url = reverse(f"admin:reviews_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _submissions(*, since: dt.date, until: dt.date, actor_id: int | None = None) -> str:
    """The audit log's verdict submissions from the start of `since` to the start of `until`."""
    params: dict[str, object] = {"action__exact": EventAction.VERDICT_SUBMITTED.value}
    if actor_id is not None:
        params["actor__id__exact"] = actor_id
    params["created_at__gte"] = day_start(since)
    params["created_at__lt"] = day_start(until)
    return _changelist("reviewevent", **params)


@dataclass(frozen=True, slots=True)
class Bar:
    day: dt.date
    count: int
    x: int
    y: int
    height: int
    url: str


@dataclass(frozen=True, slots=True)
class ReviewerRow:
    username: str
    total: int
    percent: int  # of the busiest person's total, for the bar's width
    url: str
    bars: list[Bar]  # their days, on one scale for everybody
    peak: Bar | None  # their busiest day (the latest of equals)


def _bars(days: list[dt.date], counts: list[int], *, peak: int, actor_id: int | None = None) -> list[Bar]:
    """One bar per day, `peak` submissions tall at most, each linking to that day's submissions."""
    bars = []
    for position, (day, count) in enumerate(zip(days, counts, strict=True)):
        # A day with any submission gets at least a sliver, so it never reads as none.
        height = max(2, round(CHART_HEIGHT * count / (peak or 1))) if count else 0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=position * CHART_SLOT,
                y=CHART_HEIGHT - height,
                height=height,
                url=_submissions(since=day, until=day + dt.timedelta(days=1), actor_id=actor_id),
            )
        )
    return bars


def _peak(bars: list[Bar]) -> Bar | None:
    busiest = max(bars, key=lambda bar: (bar.count, bar.day), default=None)
    return busiest if busiest is not None and busiest.count else None


def triage_links(triage: Triage) -> dict[str, str]:
    """The admin list behind each figure of the page, filtered to the rows it counts."""
    links = {
        "submitted": _changelist("verdict", status__exact=VerdictStatus.SUBMITTED.value),
        "returned": _changelist("verdict", status__exact=VerdictStatus.RETURNED.value),
        "matches": _changelist("claimmatch", status__exact=MatchStatus.SUGGESTED.value),
        "conflicts": _changelist("claimconflict", resolved__exact=0),
        "expired": _changelist("reviewtask", lease="expired"),
        "queue": _changelist("reviewtask", status__exact=TaskStatus.AVAILABLE.value),
    }
    for row in triage.depth:
        links[f"band-{row.band.slug}"] = _changelist(
            "reviewtask", status__exact=TaskStatus.AVAILABLE.value, priority=row.band.slug
        )
    return links


def triage_context(triage: Triage) -> dict[str, Any]:
    throughput = triage.throughput
    links = triage_links(triage)
    tomorrow = throughput.days[-1] + dt.timedelta(days=1)
    busiest = max((r.total for r in throughput.reviewers), default=0) or 1
    bars = _bars(throughput.days, throughput.per_day, peak=max(throughput.per_day, default=0))
    peak = _peak(bars)
    personal_peak = max((n for r in throughput.reviewers for n in r.per_day), default=0)
    return {
        "triage": triage,
        "depth_cap": DEPTH_COUNT_CAP,
        "links": links,
        "depth_rows": [
            {
                "band": row.band,
                "count": row.count,
                "capped": row.capped,
                "url": links[f"band-{row.band.slug}"],
            }
            for row in triage.depth
        ],
        "bars": bars,
        "peak_bar": peak,
        "chart_width": CHART_SLOT * len(bars),
        "chart_height": CHART_HEIGHT,
        "chart_bar": CHART_BAR,
        "throughput_url": _submissions(since=throughput.since, until=tomorrow),
        "reviewer_rows": [
            ReviewerRow(
                username=r.username,
                total=r.total,
                percent=round(100 * r.total / busiest),
                url=_submissions(since=throughput.since, until=tomorrow, actor_id=r.user_id),
                bars=(own := _bars(throughput.days, r.per_day, peak=personal_peak, actor_id=r.user_id)),
                peak=_peak(own),
            )
            for r in throughput.reviewers
        ],
    }


class DeskAdminSite(AdminSite):
    index_template = "admin/reviews/triage.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        """The admin index; editors get the triage page above the list of models (reviews.roles: a staff
        user who is not an editor sees only the list)."""
        context = dict(extra_context or {})
        if roles.is_editor(request.user):
            context.update(triage_context(desk_triage()))
        return super().index(request, context)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """A signed-in user the desk is not for (a reviewer, an API consumer) is sent here by every admin
        URL; they get the site's 403 page, which names their account and leads to their own start page,
        instead of Django's form asking them to sign in as somebody else. Posting the form still works."""
        if request.method == "GET" and request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)
