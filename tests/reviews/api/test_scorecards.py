from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import Article, Scorecard
from reviews.scorecard_terms import ACCURACY_DEFINITION
from reviews.services.scorecards import scorecard_build, scorecard_request
from tests.reviews.scorecard_fixtures import article_with_claims, checkworthy, publish_verdict

pytestmark = pytest.mark.django_db


def _auth(client: APIClient, user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _published_article(rating: str = "false") -> Article:
    article = article_with_claims(2)
    publish_verdict(
        checkworthy(article)[0],
        rating,
        citations=[("https://www.ons.gov.uk/trade", "Office for National Statistics")],
    )
    scorecard_build(article_id=article.pk)
    return article


def _unpublished_article() -> Article:
    article = article_with_claims(2)
    scorecard_build(article_id=article.pk)
    return article


def test_scorecard_by_article_id_has_the_whole_content_and_version(api_client) -> None:
    article = _published_article()
    claim = checkworthy(article)[0]
    card = Scorecard.objects.get(article=article)

    response = api_client.get(f"/api/v1/scorecards/{article.pk}/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["built_at"] == card.built_at.isoformat().replace("+00:00", "Z")
    del body["built_at"]
    assert body == {
        "article": article.pk,
        "article_title": article.title,
        "version": card.version,
        "is_stale": False,
        "claims": {
            "sentences": 2,
            "found": 2,
            "queued": 1,
            "in_review": 0,
            "published": 1,
            "not_in_review": 0,
        },
        "coverage": 0.5,
        "accuracy": {
            "score": 0.0,
            "counted_verdicts": 1,
            "uncounted_verdicts": 0,
            "definition": ACCURACY_DEFINITION,
        },
        "verdict_mix": card.data["verdict_mix"],
        "top_domains": [{"domain": "ons.gov.uk", "citations": 1}],
        "top_publishers": [{"publisher": "Office for National Statistics", "citations": 1}],
        "worst_rated": [
            {
                "claim_id": claim.pk,
                "sentence_index": 0,
                "text": claim.text,
                "verdict_id": claim.verdicts.get().pk,
                "rating": "false",
                "rating_name": "False",
            }
        ],
        "median_seconds_to_publication": card.data["median_seconds_to_publication"],
        "open_conflicts": 0,
    }
    assert [row["rating"] for row in body["verdict_mix"]][:2] == ["true", "mostly-true"]


def test_version_grows_and_staleness_shows_until_the_rebuild(api_client) -> None:
    article = _published_article()
    before = api_client.get(f"/api/v1/scorecards/{article.pk}/").json()["version"]
    publish_verdict(checkworthy(article)[1], "true")  # eager build runs on commit only; nothing commits here
    assert api_client.get(f"/api/v1/scorecards/{article.pk}/").json()["is_stale"] is True

    scorecard_build(article_id=article.pk)

    after = api_client.get(f"/api/v1/scorecards/{article.pk}/").json()
    assert (after["version"], after["is_stale"], after["accuracy"]["score"]) == (before + 1, False, 50.0)


def test_pollers_get_304_until_a_rebuild_changes_the_scorecard(api_client) -> None:
    article = _published_article()
    url = f"/api/v1/scorecards/{article.pk}/"
    first = api_client.get(url)
    assert "Authorization" in first["Vary"]
    assert "no-cache" in first["Cache-Control"]
    etag = first["ETag"]
    unchanged = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert (
        api_client.get(
            "/api/v1/scorecards/", HTTP_IF_NONE_MATCH=api_client.get("/api/v1/scorecards/")["ETag"]
        ).status_code
        == 304
    )

    publish_verdict(checkworthy(article)[1], "true")
    scorecard_build(article_id=article.pk)

    rebuilt = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert rebuilt.status_code == 200
    assert rebuilt["ETag"] != etag


def test_anonymous_callers_see_only_articles_with_a_published_verdict(api_client) -> None:
    public = _published_article()
    hidden = _unpublished_article()

    listed = api_client.get("/api/v1/scorecards/")
    assert listed.status_code == 200
    assert [row["article"] for row in listed.json()["results"]] == [public.pk]

    missing = api_client.get(f"/api/v1/scorecards/{hidden.pk}/")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "This article has no scorecard, or it is not public yet.",
        "code": "not_found",
        "errors": {},
    }


def test_editors_see_every_scorecard(api_client, editor) -> None:
    public = _published_article()
    hidden = _unpublished_article()
    client = _auth(api_client, editor)

    assert [row["article"] for row in client.get("/api/v1/scorecards/").json()["results"]] == [
        hidden.pk,
        public.pk,
    ]
    assert client.get(f"/api/v1/scorecards/{hidden.pk}/").json()["claims"]["published"] == 0


def test_reviewers_see_what_anonymous_callers_see(api_client, reviewer) -> None:
    _published_article()
    hidden = _unpublished_article()
    assert _auth(api_client, reviewer).get(f"/api/v1/scorecards/{hidden.pk}/").status_code == 404


def test_filter_by_article(api_client) -> None:
    first, second = _published_article(), _published_article("true")
    response = api_client.get("/api/v1/scorecards/", {"article": second.pk})
    assert [row["article"] for row in response.json()["results"]] == [second.pk]
    assert response.json()["count"] == 1
    assert (
        api_client.get("/api/v1/scorecards/", {"article": first.pk}).json()["results"][0]["article"]
        == first.pk
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Invalid input. article: Enter a whole number."),
        ("0", "Invalid input. article: Ensure this value is greater than or equal to 1."),
        (
            "99999999999999999999",
            "Invalid input. article: Ensure this value is less than or equal to 9223372036854775807.",
        ),
    ],
)
def test_a_bad_article_filter_is_a_400_naming_it(api_client, value: str, message: str) -> None:
    response = api_client.get("/api/v1/scorecards/", {"article": value})
    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert response.json()["code"] == "invalid"


def test_non_numeric_article_id_is_a_404(api_client) -> None:
    assert api_client.get("/api/v1/scorecards/abc/").status_code == 404


def test_scorecards_are_read_only(api_client, editor) -> None:
    article = _published_article()
    client = _auth(api_client, editor)
    assert client.post("/api/v1/scorecards/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/scorecards/{article.pk}/").status_code == 405


@pytest.mark.parametrize("articles", [2, 20])
def test_list_query_count_does_not_grow_with_the_page(
    api_client, articles: int, django_assert_num_queries
) -> None:
    for _ in range(articles):
        _published_article()
    # Count, then the page (scorecards joined with their articles, visibility as an EXISTS).
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/scorecards/")
    assert len(response.json()["results"]) == articles


def test_editor_list_query_count(api_client, editor, django_assert_max_num_queries) -> None:
    for _ in range(10):
        _published_article()
        _unpublished_article()
    client = _auth(api_client, editor)
    # Token, user permissions and group permissions, count, page.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/scorecards/")
    assert response.json()["count"] == 20


def test_stale_flag_follows_the_article(api_client) -> None:
    article = _published_article()
    scorecard_request(article=article)
    assert api_client.get(f"/api/v1/scorecards/{article.pk}/").json()["is_stale"] is True


def test_openapi_schema_describes_both_operations() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = {path: ops for path, ops in schema["paths"].items() if path.startswith("/api/v1/scorecards")}
    assert set(paths) == {"/api/v1/scorecards/", "/api/v1/scorecards/{article_id}/"}
    listing = paths["/api/v1/scorecards/"]["get"]
    assert {param["name"] for param in listing["parameters"]} >= {"article", "page"}
    article_param = next(param for param in listing["parameters"] if param["name"] == "article")
    assert article_param["schema"]["type"] == "integer"
    detail = paths["/api/v1/scorecards/{article_id}/"]["get"]
    assert detail["parameters"][0]["schema"]["type"] == "integer"
    assert set(detail["responses"]) >= {"200", "304", "404"}
    assert "ETag" in detail["responses"]["200"]["headers"]
    assert "304" in listing["responses"]
    component = schema["components"]["schemas"]["Scorecard"]
    assert set(component["properties"]) >= {"version", "accuracy", "verdict_mix", "claims", "worst_rated"}
    assert component["properties"]["verdict_mix"]["type"] == "array"
    accuracy = schema["components"]["schemas"]["Accuracy"]["properties"]
    assert accuracy["definition"]["type"] == "string"
    assert accuracy["score"]["nullable"] is True
