"""reviews.api.errors: a database or broker that cannot be reached is a JSON 503 with Retry-After."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError as DatabaseError
from kombu.exceptions import OperationalError as BrokerError

from reviews.models import Article
from tests.reviews.api.test_queue import client_for

pytestmark = pytest.mark.django_db


def test_a_broker_error_that_reaches_a_view_is_a_json_503(editor, caplog) -> None:
    # Nothing on the request path sends to the broker without catching its errors (services.dispatch);
    # anything added later that does must not answer with Django's HTML 500 page.
    outage = BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
    with mock.patch("reviews.api.views.article_submit", side_effect=outage):
        response = client_for(editor).post("/api/v1/articles/", {"text": "x"}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "detail": "The task queue is unavailable right now; nothing was changed. Try again.",
        "code": "unavailable",
        "errors": {},
    }
    assert "The task broker is unreachable: Error 111 connecting to 127.0.0.1:6399" in caplog.text
    assert not Article.objects.exists()


def test_a_lost_database_connection_is_a_json_503(editor) -> None:
    with mock.patch("reviews.api.views.articles_visible", side_effect=DatabaseError("server closed")):
        response = client_for(editor).get("/api/v1/articles/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The database is unavailable right now; try again.",
        "code": "unavailable",
        "errors": {},
    }


def test_the_schema_documents_the_503() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                assert "503" in operation["responses"], (path, method)
