"""Exports over the API: editors start them; bad input is a 400 with the reason and stores nothing; the
owner and editors follow progress and download; everybody else gets 401, 403 or 404; expired is 410."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from reviews.models import Export, ExportState
from reviews.services.exports import exports_sweep
from tests.factories import UserFactory
from tests.reviews.api.public_data import consumer_user, make_verdict, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

EXPORTS = "/api/v1/exports/"
UNKNOWN_FORMAT = "Unknown format: pdf. Choose from: csv, jsonl, claimreview."
NOT_VISIBLE = "No export with this id (or not visible to you)."


def start(user: User, body: dict[str, Any], capture: Any, *, run: bool = True) -> Any:
    with capture(execute=run):
        return token_client(user).post(EXPORTS, body, format="json")


def finished(editor: User, capture: Any, fmt: str = "csv") -> Export:
    response = start(editor, {"format": fmt}, capture)
    assert response.status_code == 202, response.json()
    return Export.objects.get(pk=response.json()["id"])


def test_an_editor_starts_an_export_and_follows_it(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    response = start(
        editor,
        {"format": "csv", "filters": {"rating": ["false"], "published_after": "2025-01-01T00:00:00Z"}},
        django_capture_on_commit_callbacks,
        run=False,
    )
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == f"http://testserver/api/v1/exports/{body['id']}/"
    assert {
        k: body[k] for k in ("owner", "format", "state", "rows_written", "total", "percent", "download_url")
    } == {
        "owner": "ed",
        "format": "csv",
        "state": "queued",
        "rows_written": 0,
        "total": None,
        "percent": None,
        "download_url": None,
    }
    assert body["filters"] == {"rating": ["false"], "published_after": ["2025-01-01T00:00:00Z"]}

    export = Export.objects.get(pk=body["id"])
    from reviews.services.exports import export_run

    export_run(export_id=export.pk)
    detail = token_client(editor).get(f"{EXPORTS}{export.pk}/").json()
    assert (detail["state"], detail["rows_written"], detail["total"], detail["percent"]) == (
        "done",
        1,
        1,
        100,
    )
    assert detail["download_url"] == f"http://testserver/api/v1/exports/{export.pk}/download/"

    download = token_client(editor).get(detail["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="factcheck-verdicts-export-{export.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(download.getvalue().decode())))
    assert rows[0][0] == "verdict_id"
    assert len(rows) == 2
    # A client that asks for the file's own media type gets it too (not a 406 from JSON-only renderers).
    assert token_client(editor).get(detail["download_url"], HTTP_ACCEPT="text/csv").status_code == 200


@pytest.mark.parametrize(
    ("body", "detail", "errors"),
    [
        ({"format": "pdf"}, UNKNOWN_FORMAT, {"format": [UNKNOWN_FORMAT]}),
        ({}, "Invalid input. format: This field is required.", {"format": ["This field is required."]}),
        (
            {"format": "csv", "filters": {"published_before": "tomorrow"}},
            "Filter published_before: Enter a valid date/time.",
            {"filters.published_before": ["Enter a valid date/time."]},
        ),
        (
            {"format": "csv", "filters": {"cited_domain": "http://x.org/a"}},
            "Filter cited_domain: Enter a domain name such as example.org (no scheme, path or port).",
            {"filters.cited_domain": ["Enter a domain name such as example.org (no scheme, path or port)."]},
        ),
        (
            {"format": "csv", "filters": "rating=false"},
            'Invalid input. filters: Expected a dictionary of items but got type "str".',
            {"filters": ['Expected a dictionary of items but got type "str".']},
        ),
    ],
)
def test_bad_input_is_a_400_with_the_reason_and_stores_nothing(
    editor: User, django_capture_on_commit_callbacks: Any, body: dict[str, Any], detail: str, errors: Any
) -> None:
    response = start(editor, body, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "invalid", "errors": errors}
    assert not Export.objects.exists()


def test_only_editors_start_exports(reviewer: User, django_capture_on_commit_callbacks: Any) -> None:
    anonymous = token_client(None).post(EXPORTS, {"format": "csv"}, format="json")
    assert anonymous.status_code == 401
    for user in (reviewer, consumer_user()):
        response = start(user, {"format": "csv"}, django_capture_on_commit_callbacks)
        assert response.status_code == 403
        assert response.json()["detail"] == "Only editors can start exports."
    assert not Export.objects.exists()


def test_owner_and_editors_see_an_export_nobody_else_does(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    export = finished(editor, django_capture_on_commit_callbacks)
    other_editor = UserFactory.create(username="ed2", is_staff=True)
    other_editor.groups.add(Group.objects.get(name="Editors"))
    mine = finished(other_editor, django_capture_on_commit_callbacks, "jsonl")
    stranger = consumer_user()

    assert [row["id"] for row in token_client(editor).get(EXPORTS).json()["results"]] == [mine.pk, export.pk]
    assert token_client(stranger).get(EXPORTS).json()["results"] == []
    assert token_client(None).get(EXPORTS).status_code == 401
    for path in (f"{EXPORTS}{export.pk}/", f"{EXPORTS}{export.pk}/download/"):
        assert token_client(other_editor).get(path).status_code == 200
        response = token_client(stranger).get(path)
        assert (response.status_code, response.json()["detail"]) == (404, NOT_VISIBLE)
        assert token_client(None).get(path).status_code == 401
    for path in (f"{EXPORTS}abc/", f"{EXPORTS}abc/download/", f"{EXPORTS}99999999999999999999/download/"):
        assert token_client(editor).get(path).status_code == 404


def test_an_owner_no_longer_an_editor_keeps_their_exports(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    export = finished(editor, django_capture_on_commit_callbacks)
    editor.groups.clear()
    assert [row["id"] for row in token_client(editor).get(EXPORTS).json()["results"]] == [export.pk]
    assert token_client(editor).get(f"{EXPORTS}{export.pk}/download/").status_code == 200


def test_download_before_done_is_409_and_after_expiry_410(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    queued = start(editor, {"format": "csv"}, django_capture_on_commit_callbacks, run=False).json()
    response = token_client(editor).get(f"{EXPORTS}{queued['id']}/download/")
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "This export is queued; its file can be downloaded once it is done.",
    )
    as_csv = token_client(editor).get(f"{EXPORTS}{queued['id']}/download/", HTTP_ACCEPT="text/csv")
    assert (as_csv.status_code, as_csv["Content-Type"]) == (409, "application/json")

    export = finished(editor, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    exports_sweep()
    response = token_client(editor).get(f"{EXPORTS}{export.pk}/download/")
    assert response.status_code == 410
    assert response.json() == {
        "detail": "This export has expired and its file was deleted; start a new one.",
        "code": "gone",
        "errors": {},
    }
    assert token_client(editor).get(f"{EXPORTS}{export.pk}/").json()["state"] == ExportState.EXPIRED


def test_the_list_costs_the_same_for_any_number_of_exports(
    editor: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        Export.objects.create(owner=editor, format="csv")
    client = token_client(editor)
    with django_assert_max_num_queries(3):  # token with roles, count, page with owners
        assert len(client.get(EXPORTS).json()["results"]) == 30
