"""Property-based fuzzing of the whole API against its live OpenAPI schema (schemathesis, in-process WSGI).

Every operation of /api/schema/ is called with generated input, valid and invalid (schemathesis's
positive and negative modes), as an anonymous caller, an API consumer, a reviewer and an editor, on
PostgreSQL.
Checks: no 5xx; every status code, content type, header and body as the schema describes them.
Detail operations are also called with the ids of real rows, so their 200 bodies are validated too.

Bounded: 25 examples per operation and role, derandomised (the same inputs on every run), no shrinking.
Run alone: `pytest tests/reviews/api/test_schemathesis.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviews import net
from reviews.models import VerdictStatus
from reviews.net import URL_UNRESOLVED, UrlRefused
from reviews.services.scorecards import scorecard_build
from tests.factories import ArticleFactory, ReviewTaskFactory, UserFactory
from tests.reviews.api.public_data import make_verdict

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = ["anonymous", "consumer", "reviewer", "editor"]


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rows(db: None) -> dict[str, Any]:
    """Real rows for the detail operations: published and unpublished work, with scorecards."""
    public = ArticleFactory.create(
        title="Budget", publisher="Planet", author="Lois", source_url="https://planet.example/a"
    )
    published = make_verdict(article=public, rationale="We read the budget.")
    draft = make_verdict(status=VerdictStatus.DRAFT, rating_slug=None, citations=[])
    for article_id in (public.pk, draft.claim.article_id):
        scorecard_build(article_id=article_id)
    # A queued task, so the reviewers' task actions are also called with an id that exists.
    task = ReviewTaskFactory.create()
    return {
        "/api/v1/tasks/": task.pk,
        "/api/v1/verdicts/": published.pk,
        "/api/v1/claims/": published.claim_id,
        "/api/v1/articles/": public.pk,
        "/api/v1/scorecards/": public.pk,
        "/api/v1/ratings/": "mostly-false",
        "unpublished": draft.pk,
    }


@pytest.fixture
def auth_headers(role: str, editor, reviewer) -> dict[str, str]:
    if role == "anonymous":
        return {}
    users = {"editor": editor, "reviewer": reviewer}
    user = users.get(role) or UserFactory.create(username="fuzz-partner")
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: the WSGI handler must not close the test's connection (and with it
    # the transaction that holds the rows) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Generated article and feed URLs would be looked up and fetched for real (reviews/net.py): every name
    # is unresolvable here instead, which the API answers with its 400, fast and without the network.
    def unresolved(host: str, port: int) -> list[Any]:
        raise UrlRefused(URL_UNRESOLVED.format(host=host))

    monkeypatch.setattr(net, "resolve_checked", unresolved)


# Loaded when the module is collected: the live schema, as /api/schema/ serves it to anybody.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _real_path_parameters(path: str, rows: dict[str, Any]) -> dict[str, Any] | None:
    match = re.match(r"^(/api/v1/[a-z]+/)\{(\w+)\}", path)
    if match is None or match.group(1) not in rows:
        return None
    return {match.group(2): rows[match.group(1)]}


@schema.parametrize()
@pytest.mark.usefixtures("role")  # one run per role (the fixture is parametrised)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, auth_headers: dict[str, str], rows: dict[str, Any]) -> None:
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
    real = _real_path_parameters(case.operation.path, rows)
    if real is not None:
        case.path_parameters = {**(case.path_parameters or {}), **real}
        case.call_and_validate(headers=auth_headers, checks=CHECKS)
