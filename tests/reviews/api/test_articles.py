from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import Article, ArticleStatus, ReviewTask, SourceThreshold

pytestmark = pytest.mark.django_db

TEXT = "The city spent $12 million on roads in 2023, the mayor said. Critics called it a waste."


def _auth(client: APIClient, user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_editor_posts_article_gets_202_and_extraction_runs(
    api_client, editor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _auth(api_client, editor).post("/api/v1/articles/", {"text": TEXT}, format="json")
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/articles/{response.data['id']}/")
    assert response.data["duplicate"] is False
    article = Article.objects.get(pk=response.data["id"])
    assert article.status == ArticleStatus.READY  # eager Celery in unit tests
    assert ReviewTask.objects.filter(claim__article=article).exists()
    detail = api_client.get(f"/api/v1/articles/{article.pk}/")
    assert detail.status_code == 200
    assert detail.data["status"] == "ready"


def test_posting_the_same_text_again_returns_the_article(api_client, editor) -> None:
    client = _auth(api_client, editor)
    first = client.post("/api/v1/articles/", {"text": TEXT}, format="json")
    second = client.post("/api/v1/articles/", {"text": TEXT + "\n"}, format="json")
    assert second.status_code == 200
    assert second.data["id"] == first.data["id"]
    assert second.data["duplicate"] is True
    assert Article.objects.count() == 1


def test_reviewers_and_anonymous_cannot_post(api_client, reviewer) -> None:
    anonymous = api_client.post("/api/v1/articles/", {"text": TEXT}, format="json")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Authentication credentials were not provided."
    forbidden = _auth(api_client, reviewer).post("/api/v1/articles/", {"text": TEXT}, format="json")
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "Only editors can submit articles."
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({}, 400, "Invalid input. non_field_errors: Send the article's text, or a url to fetch it from."),
        ({"text": "   "}, 400, "text: empty (no text to extract claims from)."),
        ({"text": ""}, 400, "Invalid input. text: This field may not be blank."),
        (
            {"text": TEXT, "content_type": "application/pdf"},
            400,
            "Invalid input. content_type: Choose text/plain or text/html.",
        ),
        ({"text": "a\x00b"}, 400, "Invalid input. text: Null characters are not allowed."),
        ({"text": TEXT, "source_url": "example.org"}, 400, "Invalid input. source_url: Enter a valid URL."),
        (
            {"text": TEXT, "source_url": "ftp://example.org/a"},
            400,
            "Invalid input. source_url: Enter an absolute http:// or https:// link.",
        ),
        (
            {"text": TEXT, "source_url": "https://example.org:99999/a"},
            400,
            "Invalid input. source_url: Enter an absolute http:// or https:// link.",
        ),
    ],
)
def test_bad_input_gets_400_with_a_reason(api_client, editor, payload, status, detail) -> None:
    response = _auth(api_client, editor).post("/api/v1/articles/", payload, format="json")
    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert not Article.objects.exists()


def test_malformed_json_gets_400(api_client, editor) -> None:
    response = _auth(api_client, editor).post(
        "/api/v1/articles/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_oversized_text_gets_400(api_client, editor, settings) -> None:
    settings.FACTCHECK_MAX_ARTICLE_BYTES = 50
    response = _auth(api_client, editor).post("/api/v1/articles/", {"text": TEXT}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "text: too large (87 bytes; the limit is 50 bytes)."


def test_the_source_url_is_stored_with_its_scheme_in_lower_case(api_client, editor) -> None:
    response = _auth(api_client, editor).post(
        "/api/v1/articles/", {"text": TEXT, "source_url": "HTTPS://News.example.org/a"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert Article.objects.get(pk=response.data["id"]).source_url == "https://News.example.org/a"


def test_a_lone_surrogate_in_the_content_type_is_a_400(api_client, editor) -> None:
    # Raw JSON: "\ud800" is a lone surrogate once decoded. DRF's message repeated the value, which the
    # JSON answer could not encode (a 500).
    body = json.dumps({"text": TEXT})[:-1] + ', "content_type": "\\ud800"}'
    response = _auth(api_client, editor).post("/api/v1/articles/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input. content_type: Choose text/plain or text/html."
    assert not Article.objects.exists()


def test_an_editor_retries_a_failed_extraction(
    api_client, editor, reviewer, django_capture_on_commit_callbacks
) -> None:
    reason = "Extraction did not finish in 3 attempts."
    article = Article.objects.create(
        raw_text=TEXT,
        content_hash="h",
        status=ArticleStatus.FAILED,
        failure_reason=reason,
        extract_attempts=3,
    )
    detail = _auth(api_client, editor).get(f"/api/v1/articles/{article.pk}/")
    assert (detail.data["status"], detail.data["failure_reason"]) == ("failed", reason)

    refused = _auth(APIClient(), reviewer).post(f"/api/v1/articles/{article.pk}/retry")
    assert (refused.status_code, refused.json()["detail"]) == (403, "Only editors can retry extractions.")

    with django_capture_on_commit_callbacks(execute=True):
        retried = _auth(api_client, editor).post(f"/api/v1/articles/{article.pk}/retry")
    assert retried.status_code == 202, retried.content
    assert (retried.data["status"], retried.data["failure_reason"]) == ("pending", "")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.READY

    again = api_client.post(f"/api/v1/articles/{article.pk}/retry")
    assert (again.status_code, again.json()) == (
        409,
        {
            "detail": f"Article {article.pk} is extracted; only a failed extraction can be retried.",
            "code": "invalid_transition",
            "errors": {},
        },
    )
    missing = api_client.post("/api/v1/articles/999999/retry")
    assert missing.status_code == 404


# --- articles from URLs (reviews/services/article_urls.py; a real local server) ----------------------

PAGE = (
    "<html><body><article><p>The city spent $12 million on roads in 2023, the mayor\u2019s café said.</p>"
    "<p>Critics said 40% of it went to one district, against 10% in 2019.</p></article></body></html>"
)


@pytest.fixture
def pages(settings):
    from tests.reviews.page_server import running_page_server

    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_FETCH_TIMEOUT_SECONDS = 0.5
    yield from running_page_server()


def test_editor_posts_a_url_and_the_page_is_fetched(
    api_client, editor, pages, django_capture_on_commit_callbacks
) -> None:
    url = pages.serve("/roads", PAGE.encode("cp1252"), content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):
        response = _auth(api_client, editor).post("/api/v1/articles/", {"url": url}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["source_url"], body["source_encoding"], body["source_encoding_guessed"]) == (
        url,
        "windows-1252",
        True,
    )
    assert Article.objects.get(pk=body["id"]).status == ArticleStatus.READY


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"url": "not a url"}, "Invalid input. url: Enter a valid URL."),
        ({"url": "ftp://example.org/a"}, "Invalid input. url: Enter an absolute http:// or https:// link."),
        (
            {"url": "https://example.org:99999/"},
            "Invalid input. url: Enter an absolute http:// or https:// link.",
        ),
        (
            {"url": "https://example.org/", "text": TEXT},
            "Invalid input. non_field_errors: Send either text or url, not both.",
        ),
        (
            {"url": "https://example.org/", "source_url": "https://example.org/b"},
            "Invalid input. source_url: The url fetched is the article's source URL; leave source_url out.",
        ),
        (
            {"url": "http://169.254.169.254/latest/meta-data/"},
            "The URL points to a private, loopback or link-local address (169.254.169.254), which is refused "
            "(FACTCHECK_ALLOW_PRIVATE_URLS is off).",
        ),
    ],
)
def test_a_bad_url_is_a_400_with_the_reason_and_stores_nothing(
    api_client, editor, settings, payload, detail
) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    response = _auth(api_client, editor).post("/api/v1/articles/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == detail
    assert not Article.objects.exists()


def test_a_page_that_cannot_be_fetched_is_a_400(api_client, editor, pages) -> None:
    url = pages.serve("/slow", PAGE, delay=3)
    response = _auth(api_client, editor).post("/api/v1/articles/", {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"{url} did not answer within 0.5 seconds.",
        "code": "article_rejected",
        "errors": {},
    }
    assert not Article.objects.exists()


def test_an_editor_sees_the_threshold_an_article_was_cut_at_and_where_it_came_from(
    api_client, editor, settings, django_capture_on_commit_callbacks
) -> None:
    settings.FACTCHECK_CLAIM_THRESHOLD = 0.2
    SourceThreshold.objects.create(host="example.com", threshold=0.7)
    client = _auth(api_client, editor)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            "/api/v1/articles/", {"text": TEXT, "source_url": "https://www.example.com/roads"}, format="json"
        )
    assert submitted.status_code == 202, submitted.content
    assert (submitted.data["claim_threshold"], submitted.data["claim_threshold_origin"]) == (None, "")
    detail = client.get(f"/api/v1/articles/{submitted.data['id']}/")
    assert (detail.data["claim_threshold"], detail.data["claim_threshold_origin"]) == (0.7, "source")
    with django_capture_on_commit_callbacks(execute=True):
        other = client.post("/api/v1/articles/", {"text": TEXT + " Really."}, format="json")
    detail = client.get(f"/api/v1/articles/{other.data['id']}/")
    assert (detail.data["claim_threshold"], detail.data["claim_threshold_origin"]) == (0.2, "setting")
