"""The claim threshold policy: precedence in every combination, and how a source URL finds its source."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reviews.models import Feed, SourceThreshold, ThresholdOrigin
from reviews.selectors_thresholds import ThresholdChoice, claim_threshold_for, source_host

pytestmark = pytest.mark.django_db

URL = "https://www.example.com/2026/12/budget"


@pytest.mark.parametrize(
    ("feed_set", "source_set", "setting_set"), list(itertools.product([True, False], repeat=3))
)
def test_precedence_is_feed_then_source_then_setting_then_model(
    settings: Any, feed_set: bool, source_set: bool, setting_set: bool
) -> None:
    feed = Feed.objects.create(url="https://example.com/feed.xml", claim_threshold=0.8 if feed_set else None)
    if source_set:
        SourceThreshold.objects.create(host="example.com", threshold=0.6)
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.5 if setting_set else None
    if feed_set:
        expected = ThresholdChoice(0.8, ThresholdOrigin.FEED)
    elif source_set:
        expected = ThresholdChoice(0.6, ThresholdOrigin.SOURCE)
    elif setting_set:
        expected = ThresholdChoice(0.5, ThresholdOrigin.SETTING)
    else:
        expected = ThresholdChoice(None, ThresholdOrigin.MODEL)
    assert claim_threshold_for(source_url=URL, feed_id=feed.pk) == expected


def test_without_a_feed_the_source_decides_and_a_zero_threshold_counts(settings: Any) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.5
    SourceThreshold.objects.create(host="example.com", threshold=0.0)
    assert claim_threshold_for(source_url=URL) == ThresholdChoice(0.0, ThresholdOrigin.SOURCE)
    feed = Feed.objects.create(url="https://example.com/feed.xml", claim_threshold=0.0)
    assert claim_threshold_for(source_url=URL, feed_id=feed.pk) == ThresholdChoice(0.0, ThresholdOrigin.FEED)


def test_a_feed_gone_leaves_the_rest_of_the_policy(settings: Any) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None
    assert claim_threshold_for(source_url=URL, feed_id=987654) == ThresholdChoice(None, ThresholdOrigin.MODEL)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.example.com/a", "example.com"),
        ("https://example.com/a", "example.com"),
        ("http://WWW.Example.COM:8443/a?b=c", "example.com"),
        ("https://example.com./a", "example.com"),
        ("https://news.example.com/a", "news.example.com"),
        ("https://www.news.example.com/a", "news.example.com"),
        ("https://wwwexample.com/a", "wwwexample.com"),
        ("https://user:pw@example.com/a", "example.com"),
        ("", ""),
        ("not a url", ""),
        ("https://[::1/a", ""),
    ],
)
def test_the_source_of_a_url_is_its_host_without_www(url: str, host: str) -> None:
    assert source_host(url) == host


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        ("https://www.example.com/a", True),
        ("https://example.com/a", True),
        ("http://EXAMPLE.com:8080/a", True),
        ("https://news.example.com/a", False),  # a subdomain other than www. is a source of its own
        ("https://example.com.evil.org/a", False),
        ("https://notexample.com/a", False),
        ("", False),
    ],
)
def test_only_the_same_host_matches_a_source(settings: Any, url: str, matches: bool) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None
    SourceThreshold.objects.create(host="example.com", threshold=0.7)
    expected = (
        ThresholdChoice(0.7, ThresholdOrigin.SOURCE)
        if matches
        else ThresholdChoice(None, ThresholdOrigin.MODEL)
    )
    assert claim_threshold_for(source_url=url) == expected


def test_the_policy_costs_at_most_two_queries(settings: Any, django_assert_num_queries: Any) -> None:
    feed = Feed.objects.create(url="https://example.com/feed.xml")
    with django_assert_num_queries(2):
        claim_threshold_for(source_url=URL, feed_id=feed.pk)
