"""Claim thresholds: editors set them per source (here) and per feed (tests/reviews/services/test_feeds.py
polls one); extraction records the threshold it used and where it came from, and re-extraction uses the
policy as it is then."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from reviews.exceptions import NotFound, ValidationFailed
from reviews.extraction.pipeline import get_sentence_scorer
from reviews.models import (
    Article,
    ClaimStatus,
    EventAction,
    Feed,
    ReviewEvent,
    SourceThreshold,
    ThresholdOrigin,
)
from reviews.services.articles import article_extract, article_ingest, article_reextract, article_submit
from reviews.services.feeds import feed_threshold_set, feed_update
from reviews.services.thresholds import source_threshold_remove, source_threshold_set

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Oil exports rise\n\nBy Jane Doe\n\n"
    "Iraq exported 3.4 million barrels a day in March, the oil ministry said. "
    "Officials in the U.S. welcomed the figure. What happens next? "
    "Unemployment fell to 4.1 percent last year, the lowest since 2001, according to the statistics office.\n"
)
SOURCE_URL = "https://www.example.com/2026/oil"


@pytest.fixture(autouse=True)
def _no_setting(settings: Any) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = None


def assert_cut_at(article: Article, cut: float, origin: ThresholdOrigin) -> None:
    """The article records `cut` and `origin`, and its sentences are claims exactly when they score at or
    above `cut`."""
    article.refresh_from_db()
    assert (article.claim_threshold, article.claim_threshold_origin) == (pytest.approx(cut), origin)
    claims = list(article.claims.filter(repeat_of__isnull=True))
    assert claims
    for claim in claims:
        assert (claim.status == ClaimStatus.CLAIM) == (claim.score >= cut), (claim.text, claim.score)


# --- source thresholds -----------------------------------------------------------------------------


def test_an_editor_sets_and_changes_a_source_threshold_by_host(editor: User) -> None:
    row = source_threshold_set(host=" WWW.Example.COM ", threshold=0.6, editor=editor, note="opinion-heavy")
    assert (row.host, row.threshold, row.note, row.updated_by) == (
        "example.com",
        0.6,
        "opinion-heavy",
        editor,
    )
    again = source_threshold_set(host="example.com", threshold=0.7, editor=editor)
    assert again.pk == row.pk
    assert list(SourceThreshold.objects.values_list("host", "threshold")) == [("example.com", 0.7)]
    events = list(ReviewEvent.objects.filter(action=EventAction.SOURCE_THRESHOLD_SET).order_by("pk"))
    assert [(e.actor, e.data["threshold"], e.data["previous"]) for e in events] == [
        (editor, 0.6, None),
        (editor, 0.7, 0.6),
    ]


@pytest.mark.parametrize(
    ("host", "threshold", "field", "message"),
    [
        (
            "example.com",
            1.5,
            "threshold",
            "A threshold is a score between 0 and 1 (for example 0.41); 1.5 is not.",
        ),
        (
            "example.com",
            -0.1,
            "threshold",
            "A threshold is a score between 0 and 1 (for example 0.41); -0.1 is not.",
        ),
        (
            "https://example.com/",
            0.5,
            "host",
            "Give the site's host name, such as www.example.com (no scheme, path or port): "
            "'https://example.com/' is not one.",
        ),
        (
            "localhost",
            0.5,
            "host",
            "Give the site's host name, such as www.example.com (no scheme, path or port): "
            "'localhost' is not one.",
        ),
        (
            "",
            0.5,
            "host",
            "Give the site's host name, such as www.example.com (no scheme, path or port): '' is not one.",
        ),
    ],
)
def test_a_bad_source_threshold_is_refused_and_nothing_changes(
    editor: User, host: str, threshold: float, field: str, message: str
) -> None:
    SourceThreshold.objects.create(host="example.com", threshold=0.4)
    with pytest.raises(ValidationFailed) as refused:
        source_threshold_set(host=host, threshold=threshold, editor=editor)
    assert refused.value.message == message
    assert refused.value.field_errors == {field: [message]}
    assert list(SourceThreshold.objects.values_list("host", "threshold")) == [("example.com", 0.4)]
    assert not ReviewEvent.objects.exists()


def test_an_editor_removes_a_source_threshold(editor: User) -> None:
    row = source_threshold_set(host="example.com", threshold=0.6, editor=editor)
    source_threshold_remove(source_id=row.pk, editor=editor)
    assert not SourceThreshold.objects.exists()
    removed = ReviewEvent.objects.get(action=EventAction.SOURCE_THRESHOLD_REMOVED)
    assert removed.data == {"source": row.pk, "host": "example.com", "threshold": 0.6}
    with pytest.raises(NotFound, match=r"^No such source threshold\.$"):
        source_threshold_remove(source_id=row.pk, editor=editor)


# --- feed thresholds --------------------------------------------------------------------------------


def test_a_feed_threshold_is_set_cleared_and_refused_outside_the_unit_range(editor: User) -> None:
    feed = Feed.objects.create(url="https://example.com/feed.xml", title="Example")
    assert feed_threshold_set(feed_id=feed.pk, editor=editor, claim_threshold=0.55).claim_threshold == 0.55
    message = "A threshold is a score between 0 and 1 (for example 0.41); 2.0 is not."
    with pytest.raises(ValidationFailed) as refused:
        feed_threshold_set(feed_id=feed.pk, editor=editor, claim_threshold=2.0)
    assert refused.value.field_errors == {"claim_threshold": [message]}
    with pytest.raises(ValidationFailed, match=r"; -1\.0 is not\.$"):
        feed_update(
            feed_id=feed.pk, editor=editor, url=feed.url, title="", is_active=True, claim_threshold=-1.0
        )
    feed.refresh_from_db()
    assert (feed.claim_threshold, feed.title) == (0.55, "Example")
    feed_update(feed_id=feed.pk, editor=editor, url=feed.url, title="Example", is_active=True)
    feed.refresh_from_db()
    assert feed.claim_threshold is None
    changes = ReviewEvent.objects.filter(action=EventAction.FEED_CHANGED).order_by("pk")
    assert [(e.data["claim_threshold"], e.data["previous_claim_threshold"]) for e in changes] == [
        (0.55, None),
        (None, 0.55),
    ]
    with pytest.raises(NotFound):
        feed_threshold_set(feed_id=feed.pk + 1, editor=editor, claim_threshold=0.5)


# --- what extraction uses ---------------------------------------------------------------------------


def test_an_article_records_the_models_news_threshold_by_default() -> None:
    article = article_ingest(data=ARTICLE, name="oil.txt", source_url=SOURCE_URL).article
    news = get_sentence_scorer("model").news_threshold
    assert_cut_at(article, news, ThresholdOrigin.MODEL)
    assert news != get_sentence_scorer("model").default_threshold  # the debate threshold is not used
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_INGESTED)
    assert (event.data["threshold"], event.data["threshold_origin"]) == (news, "model")


def test_the_setting_is_used_when_no_source_or_feed_has_one(settings: Any) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.2
    article = article_ingest(data=ARTICLE, name="oil.txt", source_url=SOURCE_URL).article
    assert_cut_at(article, 0.2, ThresholdOrigin.SETTING)


def test_the_sources_threshold_wins_over_the_setting(settings: Any, editor: User) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.2
    source_threshold_set(host="example.com", threshold=0.9, editor=editor)
    article = article_ingest(data=ARTICLE, name="oil.txt", source_url=SOURCE_URL).article
    assert_cut_at(article, 0.9, ThresholdOrigin.SOURCE)
    other = article_ingest(data=ARTICLE + "Again.", name="oil.txt", source_url="https://news.example.com/a")
    assert_cut_at(other.article, 0.2, ThresholdOrigin.SETTING)


def test_a_submitted_article_is_extracted_at_its_feeds_threshold_on_the_worker(editor: User) -> None:
    source_threshold_set(host="example.com", threshold=0.9, editor=editor)
    feed = Feed.objects.create(url="https://example.com/feed.xml", claim_threshold=0.05)
    article = article_submit(data=ARTICLE, source_url=SOURCE_URL, feed_id=feed.pk).article
    assert article.feed == feed
    article_extract(article_id=article.pk)
    assert_cut_at(article, 0.05, ThresholdOrigin.FEED)
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_EXTRACTED)
    assert (event.data["threshold"], event.data["threshold_origin"]) == (0.05, "feed")


def test_re_extraction_uses_the_threshold_as_it_is_now(editor: User) -> None:
    article = article_ingest(data=ARTICLE, name="oil.txt", source_url=SOURCE_URL).article
    assert_cut_at(article, get_sentence_scorer("model").news_threshold, ThresholdOrigin.MODEL)
    source_threshold_set(host="example.com", threshold=0.95, editor=editor)
    article.refresh_from_db()
    assert article.claim_threshold_origin == ThresholdOrigin.MODEL  # stored claims are not re-cut
    article_reextract(article_id=article.pk, actor=editor)
    assert_cut_at(article, 0.95, ThresholdOrigin.SOURCE)
    event = ReviewEvent.objects.get(article=article, action=EventAction.ARTICLE_REEXTRACTED)
    assert (event.data["threshold"], event.data["threshold_origin"]) == (0.95, "source")
    source_threshold_remove(source_id=SourceThreshold.objects.get().pk, editor=editor)
    article_reextract(article_id=article.pk, actor=editor)
    assert_cut_at(article, get_sentence_scorer("model").news_threshold, ThresholdOrigin.MODEL)


def test_a_source_named_only_by_the_page_applies_from_the_first_extraction(editor: User) -> None:
    source_threshold_set(host="example.com", threshold=0.95, editor=editor)
    named = f"Source: {SOURCE_URL}\n\n{ARTICLE}"
    article = article_ingest(data=named, name="oil.txt").article
    assert article.source_url == SOURCE_URL
    assert_cut_at(article, 0.95, ThresholdOrigin.SOURCE)
    submitted = article_submit(data=named + " Submitted.").article
    article_extract(article_id=submitted.pk)
    assert_cut_at(submitted, 0.95, ThresholdOrigin.SOURCE)
    # A source URL given with the article wins over the one its page names, as it does for storing.
    given = article_ingest(data=named + " Given.", name="oil.txt", source_url="https://other.org/oil").article
    assert given.source_url == "https://other.org/oil"
    assert_cut_at(given, get_sentence_scorer("model").news_threshold, ThresholdOrigin.MODEL)


def test_a_feeds_threshold_wins_over_a_source_named_by_the_page(editor: User) -> None:
    source_threshold_set(host="example.com", threshold=0.95, editor=editor)
    feed = Feed.objects.create(url="https://example.org/feed.xml", claim_threshold=0.1)
    article = article_submit(data=f"Source: {SOURCE_URL}\n\n{ARTICLE}", feed_id=feed.pk).article
    article_extract(article_id=article.pk)
    assert_cut_at(article, 0.1, ThresholdOrigin.FEED)
