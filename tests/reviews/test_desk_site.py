"""The triage page on the admin index: who sees it, and every figure against the admin list it links to."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from html import unescape
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from reviews.models import (
    ClaimConflict,
    ClaimMatch,
    ConflictKind,
    EventAction,
    MatchStatus,
    ReviewEvent,
    TaskStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_triage import OLDEST_SHOWN, TRIAGE_QUERIES, day_start
from reviews.services.verdicts import verdict_return
from tests.factories import ClaimFactory, ReviewTaskFactory, UserFactory
from tests.reviews.admin.desk import client_for, make_reviewer, page_text, submitted_verdict

pytestmark = pytest.mark.django_db

FIGURES = [
    "submitted",
    "matches",
    "conflicts",
    "returned",
    "expired",
    "queue",
    "band-raised",
    "band-high",
    "band-medium",
    "band-low",
    "throughput",
]


@pytest.fixture
def desk(editor: User) -> Client:
    return client_for(editor)


def _desk_data(editor: User) -> None:
    ana, bo = make_reviewer("ana"), make_reviewer("bo")
    first = submitted_verdict(ana)
    submitted_verdict(bo)
    submitted_verdict(ana)
    verdict_return(verdict_id=first.pk, editor=editor, note="Cite the report.")
    now = timezone.now()
    for priority in (1200, 950, 900, 600, 10):
        ReviewTaskFactory.create(priority=priority)
    for minutes in (-5, -60, 30):
        ReviewTaskFactory.create(
            status=TaskStatus.LEASED,
            lease_holder=bo,
            lease_token=uuid.uuid4(),
            lease_expires_at=now + dt.timedelta(minutes=minutes),
        )
    matches = [
        ClaimMatch.objects.create(
            claim=ClaimFactory.create(), other_claim=ClaimFactory.create(), similarity=0.9
        )
        for _ in range(2)
    ]
    ClaimMatch.objects.create(
        claim=ClaimFactory.create(),
        other_claim=ClaimFactory.create(),
        similarity=0.8,
        status=MatchStatus.CONFIRMED,
        decided_by=editor,
        decided_at=now,
    )
    for value in ("2001", "2002"):
        ClaimConflict.objects.create(
            match=matches[0],
            kind=ConflictKind.YEAR,
            value=value,
            other_value="1999",
            sentence="a",
            other_sentence="b",
        )
    ReviewEvent.objects.create(
        action=EventAction.VERDICT_SUBMITTED, actor=bo, created_at=now - dt.timedelta(days=3)
    )
    ReviewEvent.objects.create(
        action=EventAction.VERDICT_SUBMITTED, actor=bo, created_at=now - dt.timedelta(days=40)
    )


def _figures(html: str) -> dict[str, tuple[int, str]]:
    """Each figure of the page by its id: the number shown and the link behind it."""
    found = re.findall(r'<a id="triage-([\w-]+)"[^>]*href="([^"]+)"[^>]*>(\d+)</a>', html)
    return {name: (int(number), unescape(href)) for name, href, number in found}


def test_every_figure_links_to_a_list_of_exactly_the_rows_it_counts(editor: User, desk: Client) -> None:
    _desk_data(editor)
    page = desk.get(reverse("admin:index"))
    figures = _figures(page.content.decode())

    assert sorted(figures) == sorted(FIGURES)
    expected = {
        "submitted": 2,
        "returned": 1,
        "matches": 2,
        "conflicts": 2,
        "expired": 2,
        "queue": 5,
        "band-raised": 1,
        "band-high": 2,
        "band-medium": 1,
        "band-low": 1,
        # Three submissions through the queue today, one three days ago; the one 40 days ago is out.
        "throughput": 4,
    }
    assert {name: number for name, (number, _) in figures.items()} == expected
    for name, (number, href) in figures.items():
        listing = desk.get(href)
        assert listing.status_code == 200, name
        assert "e" not in listing.wsgi_request.GET, f"{name}: the admin refused the filter ({href})"
        assert listing.context["cl"].result_count == number, name


def test_chart_bars_and_people_link_to_their_submissions(editor: User, desk: Client) -> None:
    _desk_data(editor)
    page = desk.get(reverse("admin:index"))
    context = page.context
    bars = context["bars"]
    assert len(bars) == 28
    assert [bar.count for bar in bars[-4:]] == [1, 0, 0, 3]
    assert [bars[-1].height, bars[-4].height, bars[-2].height] == [100, 33, 0]
    for bar in (bars[-1], bars[-4]):
        assert desk.get(bar.url).context["cl"].result_count == bar.count
    rows = {row.username: row for row in context["reviewer_rows"]}
    assert (rows["ana"].total, rows["bo"].total) == (2, 2)
    for row in rows.values():
        assert desk.get(row.url).context["cl"].result_count == row.total
    # Each person's days, on one scale (ana's two today are the tallest), each day linked.
    assert [bar.count for bar in rows["bo"].bars[-4:]] == [1, 0, 0, 1]
    assert [bar.height for bar in rows["bo"].bars[-4:]] == [50, 0, 0, 50]
    assert rows["ana"].bars[-1].height == 100
    assert rows["bo"].peak is not None
    assert rows["bo"].peak.day == bars[-1].day
    assert desk.get(rows["bo"].bars[-4].url).context["cl"].result_count == 1
    assert desk.get(rows["ana"].bars[-4].url).context["cl"].result_count == 0
    text = page_text(page)
    # The chart's text alternative, and the same figures as a table.
    assert "4 in all, most on" in text
    assert "Every day as a table" in text
    assert (
        f"bo: 2 in 28 days, most on {bars[-1].day:%a} {bars[-1].day.day} {bars[-1].day:%b} (1)"
        in page.content.decode()
    )


def test_every_day_and_every_person_against_the_audit_log(editor: User, desk: Client) -> None:
    _desk_data(editor)
    page = desk.get(reverse("admin:index"))
    context, html = page.context, page.content.decode()
    submissions = ReviewEvent.objects.filter(action=EventAction.VERDICT_SUBMITTED)

    def on(day: dt.date) -> Any:
        return submissions.filter(
            created_at__gte=day_start(day), created_at__lt=day_start(day + dt.timedelta(1))
        )

    bars = context["bars"]
    assert [bar.count for bar in bars] == [on(bar.day).count() for bar in bars]
    # The table under the chart: one row per day, newest first, the same figures, each linked to its rows.
    table = re.findall(r'<tr><td>[^<]+</td><td class="number"><a href="([^"]+)">(\d+)</a></td></tr>', html)
    assert [int(number) for _, number in table] == [bar.count for bar in reversed(bars)]
    for href, number in table:
        if int(number):
            assert desk.get(unescape(href)).context["cl"].result_count == int(number)
    since = day_start(bars[0].day)
    for row in context["reviewer_rows"]:
        theirs = submissions.filter(actor__username=row.username)
        assert row.total == theirs.filter(created_at__gte=since).count(), row.username
        assert [bar.count for bar in row.bars] == [
            on(bar.day).filter(actor__username=row.username).count() for bar in row.bars
        ], row.username
        assert f'<a href="{escape(row.url)}">{row.total}</a>' in html
    assert context["triage"].throughput.total == submissions.filter(created_at__gte=since).count()
    # "Longest waiting" lists every waiting verdict, up to OLDEST_SHOWN.
    waiting = Verdict.objects.filter(status=VerdictStatus.SUBMITTED).count()
    assert html.count('<tr>\n            <td><a href="/admin/reviews/verdict/') == min(waiting, OLDEST_SHOWN)


def test_waiting_verdicts_show_their_age_oldest_first(editor: User, desk: Client) -> None:
    ana = make_reviewer("ana")
    older, newer = submitted_verdict(ana), submitted_verdict(ana)
    type(older).objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=2, hours=3)
    )
    text = page_text(desk.get(reverse("admin:index")))
    assert "Longest waiting" in text
    assert re.search(r"ana 2 d 03 h .* ana \d{1,2} s", text), text
    html = desk.get(reverse("admin:index")).content.decode()
    assert html.index(f"/admin/reviews/verdict/{older.pk}/change/") < html.index(
        f"/admin/reviews/verdict/{newer.pk}/change/"
    )


def test_a_band_past_the_cap_says_so(desk: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reviews.selectors_triage.DEPTH_COUNT_CAP", 2)
    monkeypatch.setattr("reviews.desk_site.DEPTH_COUNT_CAP", 2)
    for _ in range(3):
        ReviewTaskFactory.create(priority=1200)
    html = desk.get(reverse("admin:index")).content.decode()
    assert '2</a><span title="more than 2">+</span>' in html
    assert "2+</a>" in html
    assert "(each band is counted up to 2)" in page_text(desk.get(reverse("admin:index")))


def test_only_editors_get_the_triage_page(db: None) -> None:
    staffer = client_for(UserFactory.create(username="staffer", is_staff=True))
    page = staffer.get(reverse("admin:index"))
    assert page.status_code == 200
    assert "triage" not in page.context
    assert "Waiting for an editor" not in page_text(page)


def test_the_app_list_stays_below_the_triage_page(desk: Client) -> None:
    html = desk.get(reverse("admin:index")).content.decode()
    assert html.index("Waiting for an editor") < html.index('class="app-reviews module')


@pytest.mark.parametrize("scale", [1, 15])
def test_the_index_costs_a_fixed_number_of_queries(
    scale: int, editor: User, desk: Client, django_assert_num_queries: Any
) -> None:
    for n in range(scale):
        reviewer = make_reviewer(f"r{n}")
        submitted_verdict(reviewer)
        ReviewEvent.objects.create(
            action=EventAction.VERDICT_SUBMITTED,
            actor=reviewer,
            created_at=timezone.now() - dt.timedelta(days=n),
        )
    desk.get(reverse("admin:index"))  # the session and permissions, once
    # Session, user, the permission checks of the app list (ModelBackend's two), the editor role's one
    # EXISTS (reviews.roles), the admin log, and the triage page's own (TRIAGE_QUERIES).
    with django_assert_num_queries(6 + TRIAGE_QUERIES):
        desk.get(reverse("admin:index"))
