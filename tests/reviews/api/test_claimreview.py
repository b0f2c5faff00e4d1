"""ClaimReview JSON-LD: the builder, its validity as JSON-LD (pyld, offline), the endpoint and the feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pyld import jsonld

from reviews.api.claimreview import Publisher, claimreview_document
from reviews.models import Article, Claim, RatingLabel, Verdict, VerdictStatus
from tests.factories import ArticleFactory, ClaimFactory
from tests.reviews.api.public_data import (
    consumer_user,
    ids_by_publication,
    make_verdict,
    published_rows,
    token_client,
)

SCHEMA = "https://schema.org/"

# The schema.org terms the documents use, as schema.org's own context defines them (URL-valued properties
# are IRIs, dates typed), and nothing else: expansion drops any key not listed, so a misspelt or
# invented property fails the round trip below. No @vocab, on purpose.
LOCAL_SCHEMA_ORG_CONTEXT: dict[str, Any] = {
    "@context": {
        "schema": SCHEMA,
        **{name: {"@id": f"schema:{name}"} for name in ("ClaimReview", "Claim", "CreativeWork", "Rating")},
        **{name: {"@id": f"schema:{name}"} for name in ("Organization", "Person")},
        "url": {"@id": "schema:url", "@type": "@id"},
        "datePublished": {"@id": "schema:datePublished", "@type": "schema:Date"},
        **{
            name: {"@id": f"schema:{name}"}
            for name in (
                "claimReviewed",
                "reviewBody",
                "itemReviewed",
                "appearance",
                "author",
                "publisher",
                "headline",
                "name",
                "reviewRating",
                "ratingValue",
                "bestRating",
                "worstRating",
                "alternateName",
            )
        },
    }
}


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise AssertionError(f"JSON-LD processing tried to fetch {url}")
    return {"contextUrl": None, "documentUrl": url, "document": LOCAL_SCHEMA_ORG_CONTEXT}


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": offline_loader})


def _value(node: dict[str, Any], prop: str) -> Any:
    (entry,) = node[SCHEMA + prop]
    return entry.get("@value", entry.get("@id", entry))


def _in_memory_verdict(**article_fields: Any) -> Verdict:
    article = Article(
        pk=3,
        title="Budget speech",
        author="Jane Mayor",
        publisher="Daily Planet",
        source_url="https://planet.example/budget",
        published_on=dt.date(2025, 2, 3),
        created_at=dt.datetime(2025, 2, 4, tzinfo=dt.UTC),
    )
    for name, value in article_fields.items():
        setattr(article, name, value)
    rating = RatingLabel(
        slug="mostly-false",
        name="Mostly false",
        rating_value=2,
        best_rating=5,
        worst_rating=1,
        alternate_name="",
    )
    claim = Claim(pk=5, article=article, text="Roads cost $12 million.")
    return Verdict(
        pk=7,
        claim=claim,
        rating=rating,
        status=VerdictStatus.PUBLISHED,
        summary="The budget line says $9.5 million.",
        published_at=dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC),
    )


PUBLISHER = Publisher(name="Example Checks", url="https://checks.example/")
PAGE = "https://checks.example/verdicts/7/"


def test_builder_output() -> None:
    assert claimreview_document(_in_memory_verdict(), page_url=PAGE, publisher=PUBLISHER) == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": PAGE,
        "claimReviewed": "Roads cost $12 million.",
        "itemReviewed": {
            "@type": "Claim",
            "appearance": {
                "@type": "CreativeWork",
                "url": "https://planet.example/budget",
                "headline": "Budget speech",
                "publisher": {"@type": "Organization", "name": "Daily Planet"},
            },
            "author": {"@type": "Person", "name": "Jane Mayor"},
            "datePublished": "2025-02-03",
        },
        "author": {"@type": "Organization", "name": "Example Checks", "url": "https://checks.example/"},
        "datePublished": "2025-03-01",
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 2,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Mostly false",  # the name stands in for an empty alternate name
        },
        "reviewBody": "The budget line says $9.5 million.",
    }


def test_builder_falls_back_when_the_article_says_little() -> None:
    verdict = _in_memory_verdict(source_url="", author="", publisher="", title="", published_on=None)
    verdict.summary = ""
    document = claimreview_document(verdict, page_url=PAGE, publisher=PUBLISHER)
    # No article URL: the claim appeared where our page quotes it; no byline: no claim author.
    assert document["itemReviewed"] == {
        "@type": "Claim",
        "appearance": {"@type": "CreativeWork", "url": PAGE},
        "datePublished": "2025-02-04",
    }
    assert "reviewBody" not in document
    outlet = claimreview_document(_in_memory_verdict(author=""), page_url=PAGE, publisher=PUBLISHER)
    assert outlet["itemReviewed"]["author"] == {"@type": "Organization", "name": "Daily Planet"}


def test_builder_refuses_an_unrated_or_unpublished_verdict() -> None:
    verdict = _in_memory_verdict()
    verdict.published_at = None
    with pytest.raises(ValueError, match=r"^Verdict 7 is not published: it has no ClaimReview\.$"):
        claimreview_document(verdict, page_url=PAGE, publisher=PUBLISHER)


def test_the_document_is_valid_json_ld_with_schema_org_terms() -> None:
    document = claimreview_document(_in_memory_verdict(), page_url=PAGE, publisher=PUBLISHER)
    (review,) = expand(document)
    assert review["@type"] == [SCHEMA + "ClaimReview"]
    assert _value(review, "url") == PAGE
    assert _value(review, "claimReviewed") == "Roads cost $12 million."
    assert review[SCHEMA + "datePublished"] == [{"@type": SCHEMA + "Date", "@value": "2025-03-01"}]
    (rating,) = review[SCHEMA + "reviewRating"]
    assert rating["@type"] == [SCHEMA + "Rating"]
    assert [_value(rating, p) for p in ("ratingValue", "bestRating", "worstRating", "alternateName")] == [
        2,
        5,
        1,
        "Mostly false",
    ]
    (claim,) = review[SCHEMA + "itemReviewed"]
    assert claim["@type"] == [SCHEMA + "Claim"]
    (appearance,) = claim[SCHEMA + "appearance"]
    assert appearance["@type"] == [SCHEMA + "CreativeWork"]
    assert _value(appearance, "url") == "https://planet.example/budget"
    (author,) = review[SCHEMA + "author"]
    assert author["@type"] == [SCHEMA + "Organization"]
    # Nothing was dropped: compacting the expanded form gives the document back, key for key.
    assert jsonld.compact(review, "https://schema.org", {"documentLoader": offline_loader}) == document


def test_a_misspelt_property_would_be_caught() -> None:
    document = claimreview_document(_in_memory_verdict(), page_url=PAGE, publisher=PUBLISHER)
    document["claimReviewd"] = document.pop("claimReviewed")
    (review,) = expand(document)
    assert SCHEMA + "claimReviewed" not in review
    assert jsonld.compact(review, "https://schema.org", {"documentLoader": offline_loader}) != document


# --- the endpoints ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_claimreview_endpoint_serves_the_builders_document(settings) -> None:
    settings.FACTCHECK_PUBLISHER_NAME = "Example Checks"
    settings.FACTCHECK_PUBLISHER_URL = "https://checks.example/"
    article = ArticleFactory.create(source_url="https://planet.example/a", published_on=dt.date(2025, 1, 2))
    verdict = make_verdict(
        claim=ClaimFactory.create(article=article, text="Crime doubled."), rating_slug="false"
    )
    response = token_client(consumer_user()).get(f"/api/v1/verdicts/{verdict.pk}/claimreview")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["url"] == f"http://testserver/verdicts/{verdict.pk}/"
    assert body["author"] == {
        "@type": "Organization",
        "name": "Example Checks",
        "url": "https://checks.example/",
    }
    assert body["itemReviewed"]["appearance"]["url"] == "https://planet.example/a"
    assert body["reviewRating"]["alternateName"] == "False"
    (review,) = expand(body)
    assert jsonld.compact(review, "https://schema.org", {"documentLoader": offline_loader}) == body

    ld = token_client(None).get(
        f"/api/v1/verdicts/{verdict.pk}/claimreview/", HTTP_ACCEPT="application/ld+json"
    )
    assert ld["Content-Type"] == "application/ld+json"
    assert ld.json() == body


@pytest.mark.django_db
def test_publisher_url_defaults_to_the_site() -> None:
    verdict = make_verdict()
    body = token_client(None).get(f"/api/v1/verdicts/{verdict.pk}/claimreview").json()
    assert body["author"] == {"@type": "Organization", "name": "factcheck", "url": "http://testserver/"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "slug"),
    [(VerdictStatus.DRAFT, None), (VerdictStatus.SUBMITTED, "true"), (VerdictStatus.SUPERSEDED, "true")],
)
def test_no_claimreview_for_unpublished_verdicts_even_for_editors(status, slug, editor) -> None:
    verdict = make_verdict(status=status, rating_slug=slug)
    response = token_client(editor).get(f"/api/v1/verdicts/{verdict.pk}/claimreview")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No published verdict with this id.",
        "code": "not_found",
        "errors": {},
    }


@pytest.mark.django_db
def test_feed_lists_published_verdicts_newest_first_for_everybody(editor) -> None:
    rows = published_rows(5)
    make_verdict(status=VerdictStatus.SUBMITTED)
    make_verdict(status=VerdictStatus.RETRACTED)
    expected = [f"http://testserver/verdicts/{pk}/" for pk in ids_by_publication(rows)]
    for user in (None, editor):
        client = token_client(user)
        urls: list[str] = []
        url: str | None = "/api/v1/claimreview/?page_size=2"
        while url:
            body = client.get(url).json()
            urls += [item["url"] for item in body["results"]]
            url = body["next"]
        assert urls == expected
    one = token_client(None).get(f"/api/v1/verdicts/{rows[0].pk}/claimreview").json()
    item = next(
        i for i in token_client(None).get("/api/v1/claimreview/").json()["results"] if i["url"] == one["url"]
    )
    assert item == one


@pytest.mark.django_db
def test_feed_filters_and_conditional_get() -> None:
    make_verdict(rating_slug="false")
    true = make_verdict(rating_slug="true")
    client = token_client(None)
    body = client.get("/api/v1/claimreview/?rating=true").json()
    assert [i["url"] for i in body["results"]] == [f"http://testserver/verdicts/{true.pk}/"]
    first = client.get("/api/v1/claimreview/")
    assert client.get("/api/v1/claimreview/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    make_verdict()
    assert client.get("/api/v1/claimreview/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert client.get("/api/v1/claimreview/?status=draft").status_code == 200  # not a filter of the feed
