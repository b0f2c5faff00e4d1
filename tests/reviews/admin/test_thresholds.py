"""Claim thresholds at the desk: editors set one per source (refused next to the field when it is no
threshold or no host, nothing stored) and per feed; the article page says which threshold was used and
where it came from."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import EventAction, Feed, ReviewEvent, SourceThreshold, ThresholdOrigin
from reviews.services.articles import article_ingest
from tests.reviews.admin.desk import client_for, make_reviewer, page_text

pytestmark = pytest.mark.django_db

ADD = reverse("admin:reviews_sourcethreshold_add")
SOURCES = reverse("admin:reviews_sourcethreshold_changelist")
OUT_OF_RANGE = "A threshold is a score between 0 and 1 (for example 0.41); {} is not."


def test_an_editor_adds_changes_and_removes_a_source_threshold(desk: Client, editor: User) -> None:
    response = desk.post(ADD, {"host": "WWW.Example.com", "threshold": "0.6", "note": "opinion pages"})
    assert response.status_code == 302, page_text(response)
    row = SourceThreshold.objects.get()
    assert (row.host, row.threshold, row.note, row.updated_by) == (
        "example.com",
        0.6,
        "opinion pages",
        editor,
    )
    change = reverse("admin:reviews_sourcethreshold_change", args=[row.pk])
    # The host is read-only once the source exists: a host posted anyway is ignored.
    response = desk.post(change, {"host": "other.org", "threshold": "0.7", "note": ""})
    assert response.status_code == 302, page_text(response)
    assert list(SourceThreshold.objects.values_list("host", "threshold", "note")) == [
        ("example.com", 0.7, "")
    ]
    assert "example.com" in page_text(desk.get(SOURCES))
    response = desk.post(reverse("admin:reviews_sourcethreshold_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not SourceThreshold.objects.exists()
    assert list(ReviewEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        EventAction.SOURCE_THRESHOLD_SET,
        EventAction.SOURCE_THRESHOLD_SET,
        EventAction.SOURCE_THRESHOLD_REMOVED,
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"host": "example.com", "threshold": "1.5"}, "threshold", OUT_OF_RANGE.format(1.5)),
        ({"host": "example.com", "threshold": "-0.2"}, "threshold", OUT_OF_RANGE.format(-0.2)),
        ({"host": "example.com", "threshold": "high"}, "threshold", "Enter a number."),
        (
            {"host": "https://example.com/news", "threshold": "0.5"},
            "host",
            "Give the site's host name, such as www.example.com (no scheme, path or port): "
            "'https://example.com/news' is not one.",
        ),
        (
            {"host": "www.taken.org", "threshold": "0.5"},
            "host",
            "Source threshold with this Host already exists.",
        ),
    ],
)
def test_a_bad_source_threshold_is_refused_next_to_the_field(
    desk: Client, data: dict[str, str], field: str, message: str
) -> None:
    SourceThreshold.objects.create(host="taken.org", threshold=0.3)
    response = desk.post(ADD, {"note": "", **data})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert list(SourceThreshold.objects.values_list("host", "threshold")) == [("taken.org", 0.3)]
    assert not ReviewEvent.objects.exists()


def test_reviewers_get_no_source_thresholds(db: None) -> None:
    response = client_for(make_reviewer("r2")).get(SOURCES)
    assert response.status_code == 302  # not staff: sent to the login page


def test_a_feeds_threshold_is_set_on_its_page_and_refused_outside_the_unit_range(desk: Client) -> None:
    feed = Feed.objects.create(url="https://example.com/feed.xml", title="Example")
    change = reverse("admin:reviews_feed_change", args=[feed.pk])
    form = {"url": feed.url, "title": "Example", "is_active": "on"}
    response = desk.post(change, {**form, "claim_threshold": "1.01"})
    assert response.context["adminform"].form.errors["claim_threshold"] == [OUT_OF_RANGE.format(1.01)]
    feed.refresh_from_db()
    assert feed.claim_threshold is None
    response = desk.post(change, {**form, "claim_threshold": "0.55"})
    assert response.status_code == 302, page_text(response)
    feed.refresh_from_db()
    assert feed.claim_threshold == 0.55
    response = desk.post(change, {**form, "claim_threshold": ""})
    feed.refresh_from_db()
    assert feed.claim_threshold is None


def test_the_article_page_says_which_threshold_was_used_and_why(desk: Client, settings: Any) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None
    SourceThreshold.objects.create(host="example.com", threshold=0.65)
    article = article_ingest(
        data="Iraq exported 3.4 million barrels a day in March, the oil ministry said.",
        name="oil.txt",
        source_url="https://www.example.com/oil",
    ).article
    assert article.claim_threshold_origin == ThresholdOrigin.SOURCE
    text = html.unescape(page_text(desk.get(reverse("admin:reviews_article_change", args=[article.pk]))))
    assert "Claim threshold: 0.65 " in text
    assert "Claim threshold origin: The source's threshold " in text
