"""Request bodies the API cannot read: JSON nested too deeply (reviews.api.parsers) and bodies over
Django's DATA_UPLOAD_MAX_MEMORY_SIZE (reviews.api.errors); both are JSON errors that change nothing."""

from __future__ import annotations

import gzip
import json
from urllib.parse import quote_from_bytes, quote_plus

import pytest
from django.conf import settings
from django.test import override_settings

from reviews.models import Article, ReviewTask, TaskStatus
from reviews.services import queue
from tests.reviews.api.test_queue import client_for, reviewer
from tests.reviews.api.test_queue import task as task  # the fixture

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000
NESTED = {"detail": "JSON parse error - the JSON is nested too deeply.", "code": "parse_error", "errors": {}}


@pytest.mark.parametrize("action", ["heartbeat", "release", "skip", "submit"])
def test_json_nested_too_deeply_is_a_400(task: ReviewTask, action: str) -> None:
    alice = reviewer()
    outcome = queue.task_claim_next(reviewer=alice)
    assert outcome is not None
    for body in (DEEP, '{"summary": ' + DEEP + "}"):
        response = client_for(alice).post(
            f"/api/v1/tasks/{task.pk}/{action}", body, content_type="application/json"
        )
        assert (response.status_code, response.json()) == (400, NESTED)
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.LEASED


def test_an_article_nested_too_deeply_is_a_400(editor) -> None:
    response = client_for(editor).post("/api/v1/articles/", DEEP, content_type="application/json")
    assert (response.status_code, response.json()) == (400, NESTED)
    assert not Article.objects.exists()


def test_a_body_over_the_limit_is_a_json_413(editor) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000):
        response = client_for(editor).post("/api/v1/articles/", {"text": "x" * 2_000}, format="json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is too large: this server accepts at most 1,000 bytes.",
        "code": "too_large",
        "errors": {},
    }
    assert not Article.objects.exists()


def test_an_article_of_the_largest_accepted_size_fits_in_a_request_body() -> None:
    # Django's default (2.5 MB) refused articles the service accepts (5 MiB) with an HTML 400.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE > settings.FACTCHECK_MAX_ARTICLE_BYTES


def test_an_article_over_its_limit_gets_the_services_reason(editor) -> None:
    with override_settings(FACTCHECK_MAX_ARTICLE_BYTES=1_000):
        response = client_for(editor).post("/api/v1/articles/", {"text": "x " * 1_000}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "text: too large (2,000 bytes; the limit is 1,000 bytes)."
    assert not Article.objects.exists()


# --- bytes that are not the text they claim to be ---------------------------------------------------

ARTICLE_TEXT = "Iraq exported 3.4 million barrels a day in March, the oil ministry said."


def _parse_error(detail: str) -> dict[str, object]:
    return {"detail": detail, "code": "parse_error", "errors": {}}


def test_a_form_encoded_article_that_is_not_utf8_is_refused(editor) -> None:
    # Django decodes form data with errors="replace": this was stored with U+FFFD for the é.
    body = b"content_type=text%2Fplain&text=Caf%E9+owners+said+prices+rose+by+4+percent+in+March."
    response = client_for(editor).post(
        "/api/v1/articles/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json() == _parse_error(
        "Form field 'text': not UTF-8 text (invalid byte 0xe9 at offset 3)."
    )
    assert not Article.objects.exists()


def test_a_form_encoded_article_in_utf8_is_accepted(editor) -> None:
    body = "text=" + quote_plus("Café " + ARTICLE_TEXT)
    response = client_for(editor).post(
        "/api/v1/articles/", body.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 202
    assert Article.objects.get().raw_text == "Café " + ARTICLE_TEXT


def test_a_multipart_article_that_is_not_utf8_is_refused(editor) -> None:
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + "Café owners said prices rose.".encode("latin-1")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client_for(editor).post(
        "/api/v1/articles/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert response.json() == _parse_error(
        "Form field 'text': not UTF-8 text (invalid byte 0xe9 at offset 3)."
    )
    assert not Article.objects.exists()


def test_a_multipart_article_in_utf8_is_accepted(editor) -> None:
    response = client_for(editor).post(
        "/api/v1/articles/", {"text": "Café " + ARTICLE_TEXT}, format="multipart"
    )
    assert response.status_code == 202
    assert Article.objects.get().raw_text == "Café " + ARTICLE_TEXT


def test_a_gzip_body_is_named_as_such(editor) -> None:
    body = gzip.compress(json.dumps({"text": ARTICLE_TEXT}).encode())
    response = client_for(editor).post("/api/v1/articles/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == _parse_error(
        "JSON parse error - the request body is gzip-compressed data, not text; decompress it and send the "
        "text inside."
    )
    form = b"text=" + quote_from_bytes(gzip.compress(ARTICLE_TEXT.encode())).encode()
    response = client_for(editor).post(
        "/api/v1/articles/", form, content_type="application/x-www-form-urlencoded"
    )
    assert response.json() == _parse_error(
        "Form field 'text': gzip-compressed data, not text; decompress it and send the text inside."
    )
    assert not Article.objects.exists()
