from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reviews import selectors_scorecard_data
from reviews.models import ClaimConflict, ClaimMatch, MatchStatus, RatingLabel, TaskStatus
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.selectors_scorecard_data import DATA_FORMAT, scorecard_data, scorecards_data
from tests.factories import ArticleFactory, ClaimFactory, UserFactory
from tests.reviews.scorecard_fixtures import (
    article_with_claims,
    checkworthy,
    lease,
    publish_verdict,
    retract_verdict,
)

pytestmark = pytest.mark.django_db


def test_claims_are_counted_by_review_state(editor) -> None:
    article = article_with_claims(6, sentences=2)
    _available, _also_available, leased, submitted, published, cancelled = checkworthy(article)
    lease(leased.tasks.get(), editor)
    submitted.tasks.update(status=TaskStatus.SUBMITTED, reviewer=editor)
    publish_verdict(published, "true")
    cancelled.tasks.update(status=TaskStatus.CANCELLED)

    data = scorecard_data(article=article)

    assert {key: data[key] for key in ("sentences", "claims_found", "queued", "in_review", "published")} == {
        "sentences": 8,
        "claims_found": 6,
        "queued": 2,
        "in_review": 2,
        "published": 1,
    }
    assert data["not_in_review"] == 1, "the claim whose only task was cancelled"
    assert data["coverage"] == round(1 / 6, 4)
    assert data["format"] == DATA_FORMAT


def test_an_article_without_claims_has_an_empty_scorecard() -> None:
    article = ArticleFactory.create()
    data = scorecard_data(article=article.pk)
    assert data["claims_found"] == 0
    assert data["coverage"] is None
    assert data["accuracy"] == {
        "score": None,
        "counted_verdicts": 0,
        "uncounted_verdicts": 0,
        "definition": ACCURACY_DEFINITION,
    }
    assert data["median_seconds_to_publication"] is None
    assert [row["count"] for row in data["verdict_mix"]] == [0] * 7


def test_accuracy_is_the_mean_of_normalised_ratings_without_unverifiable() -> None:
    article = article_with_claims(5)
    claims = checkworthy(article)
    for claim, slug in zip(
        claims, ["true", "false", "mostly-true", "unverifiable", "mostly-true"], strict=True
    ):
        publish_verdict(claim, slug)

    accuracy = scorecard_data(article=article)["accuracy"]

    # (1 + 0 + 0.75 + 0.75) / 4 counted verdicts: each rating weighted by how many verdicts carry it.
    assert accuracy == {
        "score": 62.5,
        "counted_verdicts": 4,
        "uncounted_verdicts": 1,
        "definition": ACCURACY_DEFINITION,
    }


def test_accuracy_normalises_each_rating_on_its_own_scale() -> None:
    RatingLabel.objects.create(
        slug="ten-of-ten", name="Ten of ten", order=20, rating_value=7, worst_rating=0, best_rating=10
    )
    article = article_with_claims(2)
    first, second = checkworthy(article)
    publish_verdict(first, "ten-of-ten")  # 0.7
    publish_verdict(second, "half-true")  # (3 - 1) / (5 - 1) = 0.5
    assert scorecard_data(article=article)["accuracy"]["score"] == 60.0


def test_verdict_mix_lists_active_ratings_in_scale_order_and_retired_ones_in_use() -> None:
    article = article_with_claims(3)
    first, second, third = checkworthy(article)
    publish_verdict(first, "false")
    publish_verdict(second, "false")
    publish_verdict(third, "misleading")
    RatingLabel.objects.filter(slug__in=["misleading", "half-true"]).update(is_active=False)

    mix = scorecard_data(article=article)["verdict_mix"]

    assert [(row["rating"], row["count"]) for row in mix] == [
        ("true", 0),
        ("mostly-true", 0),
        ("mostly-false", 0),
        ("false", 2),
        ("misleading", 1),
        ("unverifiable", 0),
    ]
    assert mix[3] == {
        "rating": "false",
        "name": "False",
        "count": 2,
        "rating_value": 1,
        "worst_rating": 1,
        "best_rating": 5,
        "counts_toward_score": True,
    }


def test_only_published_verdicts_on_checkworthy_claims_count() -> None:
    article = article_with_claims(3)
    corrected, retracted, demoted = checkworthy(article)
    publish_verdict(corrected, "false", citations=[("https://old.example.org/a", "Old")])
    publish_verdict(corrected, "true", citations=[("https://new.example.org/a", "New")])
    retract_verdict(publish_verdict(retracted, "false"))
    publish_verdict(demoted, "false")
    demoted.status = "sentence"
    demoted.save()

    data = scorecard_data(article=article)

    assert data["published"] == 1
    assert [(row["rating"], row["count"]) for row in data["verdict_mix"] if row["count"]] == [("true", 1)]
    assert data["top_domains"] == [{"domain": "new.example.org", "citations": 1}]
    assert data["worst_rated"] == []


def test_most_cited_domains_and_publishers() -> None:
    article = article_with_claims(3)
    first, second, third = checkworthy(article)
    publish_verdict(
        first,
        "false",
        citations=[
            ("https://www.ONS.gov.uk/economy", "Office for National Statistics"),
            ("https://bbc.co.uk/news/1", "BBC"),
        ],
    )
    publish_verdict(
        second,
        "true",
        citations=[
            ("http://ons.gov.uk:8080/trade", "Office for National Statistics"),
            ("https://a.org/", ""),
        ],
    )
    publish_verdict(third, "half-true", citations=[("https://bbc.co.uk/news/2", "BBC")])

    data = scorecard_data(article=article)

    assert data["top_domains"] == [
        {"domain": "bbc.co.uk", "citations": 2},
        {"domain": "ons.gov.uk", "citations": 2},
        {"domain": "a.org", "citations": 1},
    ]
    assert data["top_publishers"] == [
        {"publisher": "BBC", "citations": 2},
        {"publisher": "Office for National Statistics", "citations": 2},
    ]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.ONS.gov.uk/economy", "ons.gov.uk"),
        ("http://ons.gov.uk:8080/trade?x=1", "ons.gov.uk"),
        ("https://user:secret@www.example.org/a#b", "example.org"),
        ("https://example.org?q=1", "example.org"),
        ("https://www.bbc.co.uk./news", "bbc.co.uk"),
        ("http://[2001:db8::1]:8000/x", "[2001:db8::1]"),
    ],
)
def test_cited_domains_are_hosts_without_www_port_or_credentials(url: str, domain: str) -> None:
    assert selectors_scorecard_data._domain(url) == domain


def test_worst_rated_claims_lowest_first_at_most_five_top_rating_excluded() -> None:
    article = article_with_claims(9)
    claims = checkworthy(article)
    slugs = [
        "half-true",
        "false",
        "true",
        "mostly-false",
        "unverifiable",
        "false",
        "misleading",
        "mostly-true",
        "true",
    ]
    for claim, slug in zip(claims, slugs, strict=True):
        publish_verdict(claim, slug)

    worst = scorecard_data(article=article)["worst_rated"]

    assert [(row["sentence_index"], row["rating"]) for row in worst] == [
        (1, "false"),
        (5, "false"),
        (3, "mostly-false"),
        (6, "misleading"),
        (0, "half-true"),
    ]
    assert worst[0] == {
        "claim_id": claims[1].pk,
        "sentence_index": 1,
        "text": claims[1].text,
        "verdict_id": claims[1].verdicts.get().pk,
        "rating": "false",
        "rating_name": "False",
    }


def test_median_time_from_queueing_to_first_publication() -> None:
    queued = timezone.now() - dt.timedelta(days=1)
    article = article_with_claims(4, queued_at=queued)
    fast, slow, medium, _unpublished = checkworthy(article)
    publish_verdict(fast, "true", published_at=queued + dt.timedelta(hours=1))
    publish_verdict(slow, "true", published_at=queued + dt.timedelta(hours=3))
    publish_verdict(medium, "false", published_at=queued + dt.timedelta(hours=2))
    # A correction later on does not restart the clock: the claim was first published after 1 hour.
    publish_verdict(fast, "mostly-true", published_at=queued + dt.timedelta(hours=20))

    assert scorecard_data(article=article)["median_seconds_to_publication"] == 2 * 3600.0


def test_the_scorecard_counts_open_conflicts_for_both_articles_of_a_match() -> None:
    first, second, third = (ClaimFactory.create(article=ArticleFactory.create()) for _ in range(3))
    match = ClaimMatch.objects.create(claim=first, other_claim=second, similarity=0.9)
    rejected = ClaimMatch.objects.create(
        claim=first,
        other_claim=third,
        similarity=0.8,
        status=MatchStatus.REJECTED,
        decided_by=UserFactory.create(),
        decided_at=timezone.now(),
    )
    for other_value, resolved in (("2013", False), ("2011", False), ("2010", True)):
        ClaimConflict.objects.create(
            match=match,
            kind="year",
            value="2012",
            other_value=other_value,
            sentence="a",
            other_sentence="b",
            resolved=resolved,
            resolved_by=UserFactory.create() if resolved else None,
            resolved_at=timezone.now() if resolved else None,
            resolution_note="2012." if resolved else "",
        )
    ClaimConflict.objects.create(
        match=rejected, kind="year", value="2012", other_value="2014", sentence="a", other_sentence="b"
    )
    data = scorecards_data(article_ids=[first.article_id, second.article_id, third.article_id])
    assert [data[c.article_id]["open_conflicts"] for c in (first, second, third)] == [2, 2, 0]
