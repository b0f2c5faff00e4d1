"""GET /api/v1/claims/, /api/v1/articles/, /api/v1/ratings/: who sees what, filters, ordering, pages."""

from __future__ import annotations

import datetime as dt

import pytest

from reviews.models import ArticleStatus, ClaimStatus, VerdictStatus
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = pytest.mark.django_db


def _ids(response, key: str = "id") -> list:
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


# --- claims ----------------------------------------------------------------------------------------


@pytest.fixture
def claims() -> dict:
    article = ArticleFactory.create(title="Budget")
    published = make_verdict(
        claim=ClaimFactory.create(
            article=article, text="Roads cost $12m.", claim_type="statistic", score=0.9
        ),
        rating_slug="false",
        citations=["https://budget.gov.example/2024"],
        published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    retracted = make_verdict(claim=ClaimFactory.create(article=article), status=VerdictStatus.RETRACTED)
    submitted = make_verdict(claim=ClaimFactory.create(article=article), status=VerdictStatus.SUBMITTED)
    other = make_verdict(
        claim=ClaimFactory.create(text="Crime doubled.", claim_type="comparison", score=0.6),
        rating_slug="true",
        citations=["https://police.example/stats"],
        published_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    sentence = ClaimFactory.create(article=article, status=ClaimStatus.SENTENCE, score=0.1)
    return {
        "published": published.claim,
        "retracted": retracted.claim,
        "submitted": submitted.claim,
        "other": other.claim,
        "sentence": sentence,
        "verdict": published,
    }


def test_claims_others_see_those_with_a_published_verdict_editors_all(claims, editor, reviewer) -> None:
    for user in (None, consumer_user(), reviewer):
        client = token_client(user)
        assert sorted(_ids(client.get("/api/v1/claims/"))) == sorted(
            [claims["published"].pk, claims["other"].pk]
        )
        for hidden in ("retracted", "submitted", "sentence"):
            response = client.get(f"/api/v1/claims/{claims[hidden].pk}/")
            assert response.status_code == 404
            assert response.json()["detail"] == "No claim with this id (or not visible to you)."
    editor_ids = _ids(token_client(editor).get("/api/v1/claims/"))
    assert sorted(editor_ids) == sorted(c.pk for k, c in claims.items() if k != "verdict")


def test_claim_carries_its_published_verdict(claims, editor) -> None:
    body = token_client(None).get(f"/api/v1/claims/{claims['published'].pk}/").json()
    verdict = claims["verdict"]
    assert body["verdict"] == {
        "id": verdict.pk,
        "version": 1,
        "rating": {
            "slug": "false",
            "name": "False",
            "rating_value": 1,
            "best_rating": 5,
            "worst_rating": 1,
            "alternate_name": "False",
        },
        "summary": verdict.summary,
        "published_at": "2025-01-01T00:00:00Z",
        "public_url": f"http://testserver/verdicts/{verdict.pk}/",
    }
    assert body["article"]["title"] == "Budget"
    assert token_client(editor).get(f"/api/v1/claims/{claims['submitted'].pk}/").json()["verdict"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("claim_type=comparison", ["other"]),
        ("score_min=0.8", ["published"]),
        ("score_max=0.7", ["other"]),
        ("rating=true", ["other"]),
        ("rating=true,false", ["published", "other"]),
        ("published_after=2025-03-01T00:00:00Z", ["other"]),
        ("published_before=2025-03-01T00:00:00Z", ["published"]),
        ("cited_domain=gov.example", ["published"]),
        ("q=crime", ["other"]),
        ("status=claim", ["published", "other"]),
        ("status=sentence", []),
    ],
)
def test_claim_filters(claims, query: str, expected: list[str]) -> None:
    ids = _ids(token_client(consumer_user()).get(f"/api/v1/claims/?{query}"))
    assert sorted(ids) == sorted(claims[name].pk for name in expected)


def test_claim_filters_for_editors_see_sentences_and_the_article_filter(claims, editor) -> None:
    client = token_client(editor)
    assert _ids(client.get("/api/v1/claims/?status=sentence")) == [claims["sentence"].pk]
    article_id = claims["published"].article_id
    assert sorted(_ids(client.get(f"/api/v1/claims/?article={article_id}"))) == sorted(
        claims[k].pk for k in ("published", "retracted", "submitted", "sentence")
    )


def test_claim_ordering_and_numbered_pages(claims) -> None:
    client = token_client(None)
    assert _ids(client.get("/api/v1/claims/?ordering=score")) == [claims["other"].pk, claims["published"].pk]
    first = client.get("/api/v1/claims/?page_size=1&ordering=-score").json()
    assert first["count"] == 2
    assert [r["id"] for r in first["results"]] == [claims["published"].pk]
    second = client.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [claims["other"].pk]
    assert second["next"] is None
    past = client.get("/api/v1/claims/?page=3&page_size=1")
    assert past.status_code == 404
    assert past.json() == {"detail": "Invalid page.", "code": "not_found", "errors": {}}


# --- articles --------------------------------------------------------------------------------------


@pytest.fixture
def articles() -> dict:
    checked = ArticleFactory.create(
        title="City budget", publisher="Daily Planet", author="Lois Lane", published_on=dt.date(2025, 2, 1)
    )
    make_verdict(article=checked, citations=["https://budget.gov.example/x"])
    make_verdict(article=checked, status=VerdictStatus.DRAFT, rating_slug=None)
    only_draft = ArticleFactory.create(title="Draft only")
    make_verdict(article=only_draft, status=VerdictStatus.SUBMITTED)
    pending = ArticleFactory.create(title="Pending", status=ArticleStatus.PENDING)
    failed = ArticleFactory.create(title="Broken", status=ArticleStatus.FAILED, failure_reason="binary")
    other = ArticleFactory.create(title="Weather", publisher="Gazette", published_on=dt.date(2024, 12, 1))
    make_verdict(article=other, citations=["https://met.example/"])
    return {
        "checked": checked,
        "only_draft": only_draft,
        "pending": pending,
        "failed": failed,
        "other": other,
    }


def test_articles_others_see_those_with_a_published_verdict_editors_all(articles, editor, reviewer) -> None:
    for user in (None, consumer_user(), reviewer):
        client = token_client(user)
        assert sorted(_ids(client.get("/api/v1/articles/"))) == sorted(
            [articles["checked"].pk, articles["other"].pk]
        )
        for hidden in ("only_draft", "pending", "failed"):
            assert client.get(f"/api/v1/articles/{articles[hidden].pk}/").status_code == 404
    assert sorted(_ids(token_client(editor).get("/api/v1/articles/"))) == sorted(
        a.pk for a in articles.values()
    )


def test_article_counts(articles) -> None:
    body = token_client(None).get(f"/api/v1/articles/{articles['checked'].pk}/").json()
    assert (body["claim_count"], body["published_verdict_count"]) == (2, 1)
    assert body["title"] == "City budget"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("publisher=daily planet", ["checked"]),
        ("published_after=2025-01-01", ["checked"]),
        ("published_before=2025-01-01", ["other"]),
        ("q=lane", ["checked"]),
        ("q=weather", ["other"]),
        ("cited_domain=met.example", ["other"]),
        ("status=ready", ["checked", "other"]),
        ("status=pending", []),
    ],
)
def test_article_filters(articles, query: str, expected: list[str]) -> None:
    ids = _ids(token_client(consumer_user()).get(f"/api/v1/articles/?{query}"))
    assert sorted(ids) == sorted(articles[name].pk for name in expected)


def test_article_ordering_and_editors_status_filter(articles, editor) -> None:
    client = token_client(editor)
    assert _ids(client.get("/api/v1/articles/?status=failed")) == [articles["failed"].pk]
    titles = _ids(token_client(None).get("/api/v1/articles/?ordering=title"), key="title")
    assert titles == ["City budget", "Weather"]


# --- ratings ---------------------------------------------------------------------------------------


def test_ratings_are_public_in_scale_order_and_by_slug() -> None:
    client = token_client(None)
    assert _ids(client.get("/api/v1/ratings/"), key="slug") == [
        "true",
        "mostly-true",
        "half-true",
        "mostly-false",
        "false",
        "misleading",
        "unverifiable",
    ]
    body = client.get("/api/v1/ratings/unverifiable/").json()
    assert body == {
        "slug": "unverifiable",
        "name": "Unverifiable",
        "description": "No reliable evidence either way could be found.",
        "order": 6,
        "rating_value": 3,
        "best_rating": 5,
        "worst_rating": 1,
        "alternate_name": "Unverifiable",
        "requires_citation": False,
        "counts_toward_score": False,
        "is_active": True,
    }
    missing = client.get("/api/v1/ratings/nope/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No rating with this slug."
    assert _ids(client.get("/api/v1/ratings/?ordering=-rating_value&is_active=true"), key="slug")[0] == "true"
