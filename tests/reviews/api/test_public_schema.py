"""The OpenAPI schema: valid OpenAPI 3, no generator warning from the public API's views, every error
response described on every operation of theirs."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

PUBLIC_PATHS = (
    "/api/v1/articles/",
    "/api/v1/claims/",
    "/api/v1/verdicts/",
    "/api/v1/ratings/",
    "/api/v1/claimreview/",
)
PUBLIC_VIEWS = ("ArticleViewSet", "ClaimViewSet", "VerdictViewSet", "RatingViewSet", "ClaimReviewViewSet")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_validates_and_the_public_views_cause_no_warning(tmp_path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yml"), stdout=out, stderr=err)
    warnings = [line for line in err.getvalue().splitlines() if "Warning" in line or "Error" in line]
    ours = [
        line for line in warnings if any(view in line for view in PUBLIC_VIEWS) or "reviews/api/views" in line
    ]
    assert ours == []
    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["openapi"].startswith("3.")


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        if path.startswith(PUBLIC_PATHS):
            for method, operation in item.items():
                yield path, method, operation


def test_every_public_operation_describes_its_errors(schema) -> None:
    operations = list(_operations(schema))
    assert len(operations) >= 11  # and the editors' actions on verdicts
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert {"401", "429"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if method == "get" and "{" not in path:
            assert {"400", "304"} <= codes, (path, method)
        if method == "post":
            assert {"400", "403"} <= codes, (path, method)
        for code in codes - {"200", "201", "202", "304"}:
            assert operation["responses"][code]["content"]["application/json"]["schema"] == error, (
                path,
                code,
            )
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "detail", "errors"]


def test_list_parameters_are_described_with_types(schema) -> None:
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/verdicts/"]["get"]["parameters"]}
    assert set(parameters) == {
        "article",
        "cited_domain",
        "claim",
        "claim_type",
        "cursor",
        "ordering",
        "page_size",
        "published_after",
        "published_before",
        "q",
        "rating",
        "score_max",
        "score_min",
        "status",
    }
    assert parameters["article"]["schema"] == {"type": "integer"}
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert parameters["ordering"]["schema"]["pattern"] == (
        "^-?(published_at|created_at|id)(,-?(published_at|created_at|id))*$"
    )
    assert all(p.get("description") for p in parameters.values())
    detail = schema["paths"]["/api/v1/verdicts/{id}/"]["get"]["parameters"]
    assert detail == [
        {
            "in": "path",
            "name": "id",
            "schema": {"type": "integer"},
            "description": "A unique integer value identifying this verdict.",
            "required": True,
        }
    ]


@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        ("get", "/api/schema/?format=xml", {}, 404),
        ("get", "/api/schema/", {"HTTP_ACCEPT": "application/xml"}, 406),
        ("post", "/api/schema/", {}, 405),
    ],
)
def test_schema_errors_are_the_apis_json_errors(
    method: str, url: str, headers: dict[str, str], status: int
) -> None:
    response = getattr(Client(), method)(url, **headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "code", "errors"}


def test_the_schema_itself_is_still_yaml_or_json() -> None:
    assert Client().get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    as_json = Client().get("/api/schema/?format=json")
    assert as_json.status_code == 200
    assert as_json.json()["openapi"].startswith("3.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "script"), [("/api/docs/", "swagger-ui-bundle.js"), ("/api/redoc/", "redoc.standalone.js")]
)
def test_the_api_docs_pages_load_nothing_from_other_sites(path: str, script: str) -> None:
    # Their scripts come from our static files (drf-spectacular-sidecar): offline, or behind a strict
    # egress policy, a CDN link left the page blank. Redoc's Google Fonts links are dropped too.
    response = Client().get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert script in page
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page) == []
    assert "googleapis" not in page
    assert "jsdelivr" not in page


@pytest.mark.django_db
def test_swagger_ui_has_no_validator_badge() -> None:
    # Off localhost, Swagger UI sends the schema's URL to validator.swagger.io for a badge.
    assert '"validatorUrl": null' in Client().get("/api/docs/").content.decode()
