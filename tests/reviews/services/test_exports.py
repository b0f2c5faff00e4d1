"""Exports: starting validates the format and the filters with the verdict list's FilterSet and stores
nothing when refused; a run streams the published verdicts into the exports storage in each format, says
why it failed, skips a duplicate, and the sweep expires old files and sends stuck exports again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reviews.exceptions import ApplicationError, Conflict, Gone, NotAllowed, NotFound, ValidationFailed
from reviews.models import Export, ExportFormat, ExportState, RatingLabel, VerdictStatus
from reviews.services import exports
from reviews.services.exports import export_file_open, export_run, export_start, exports_sweep
from tests.factories import UserFactory
from tests.reviews.api.public_data import make_verdict, published_rows

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def refused(
    call: Callable[[], object], exc_type: type[ApplicationError] = ValidationFailed
) -> ApplicationError:
    with pytest.raises(exc_type) as info:
        call()
    return info.value


def started(editor: User, fmt: str, capture: Any, filters: dict[str, Any] | None = None) -> Export:
    """An export started and run (the test settings run tasks eagerly once the commit's callbacks run)."""
    with capture(execute=True):
        export = export_start(owner=editor, format=fmt, filters=filters)
    export.refresh_from_db()
    return export


def content(export: Export, folder: Path) -> bytes:
    return (folder / export.file_name).read_bytes()


# --- starting --------------------------------------------------------------------------------------


def test_an_unknown_format_is_refused_and_nothing_stored(editor: User) -> None:
    error = refused(lambda: export_start(owner=editor, format="xlsx"))
    assert error.message == "Unknown format: xlsx. Choose from: csv, jsonl, claimreview."
    assert error.field_errors == {"format": [error.message]}
    assert not Export.objects.exists()


UNKNOWN_STATUS = (
    "Unknown filter: status. Choose from: article, claim, claim_type, score_min, score_max, rating, "
    "published_after, published_before, cited_domain, q."
)
BAD_RATING = "Select a valid choice. not-a-rating is not one of the available choices."


@pytest.mark.parametrize(
    ("filters", "message", "field_errors"),
    [
        (
            {"published_after": "last week"},
            "Filter published_after: Enter a valid date/time.",
            {"filters.published_after": ["Enter a valid date/time."]},
        ),
        ({"rating": "not-a-rating"}, f"Filter rating: {BAD_RATING}", {"filters.rating": [BAD_RATING]}),
        (
            {"score_min": "2", "article": "x"},
            "Filter article: Enter a whole number.",
            {
                "filters.article": ["Enter a whole number."],
                "filters.score_min": ["Ensure this value is less than or equal to 1."],
            },
        ),
        ({"status": "draft"}, UNKNOWN_STATUS, {"filters.status": [UNKNOWN_STATUS]}),
        (
            {"q": {"nested": 1}},
            "Filter q: give a text or a number, or a list of them.",
            {"filters.q": ["Filter q: give a text or a number, or a list of them."]},
        ),
    ],
)
def test_filters_that_do_not_validate_are_refused_and_nothing_stored(
    editor: User, filters: dict[str, Any], message: str, field_errors: dict[str, list[str]]
) -> None:
    error = refused(lambda: export_start(owner=editor, format="csv", filters=filters))
    assert (error.message, error.field_errors) == (message, field_errors)
    assert not Export.objects.exists()


def test_filters_must_be_an_object(editor: User) -> None:
    error = refused(lambda: export_start(owner=editor, format="csv", filters=["rating"]))
    assert error.message == "Filters must be an object of filter names and values."
    assert not Export.objects.exists()


def test_only_editors_start_exports(reviewer: User) -> None:
    error = refused(lambda: export_start(owner=reviewer, format="csv"), NotAllowed)
    assert error.message == "Only editors can start exports."
    assert not Export.objects.exists()


def test_start_stores_the_cleaned_filters_and_sends_the_task_after_commit(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = export_start(
            owner=editor, format="jsonl", filters={"rating": ["false", "true"], "score_min": 0.5}
        )
    assert (export.state, export.owner, export.filters) == (
        ExportState.QUEUED,
        editor,
        {"rating": ["false", "true"], "score_min": ["0.5"]},
    )
    assert len(callbacks) == 1


# --- running ---------------------------------------------------------------------------------------


def test_csv_has_a_header_every_published_verdict_and_no_formulas(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    plain = make_verdict(summary="Plain words.")
    formula = make_verdict(summary='=HYPERLINK("https://evil.example","click")', rationale="+1 and -1 @all")
    make_verdict(status=VerdictStatus.SUBMITTED, published_at=None)  # never exported
    export = started(editor, "csv", django_capture_on_commit_callbacks)

    assert (export.state, export.rows_written, export.total, export.percent) == (ExportState.DONE, 2, 2, 100)
    assert export.file_name.endswith(".csv")
    assert export.expires_at is not None
    rows = list(csv.DictReader(io.StringIO(content(export, exports_dir).decode())))
    assert [int(row["verdict_id"]) for row in rows] == [plain.pk, formula.pk]
    assert rows[0]["summary"] == "Plain words."
    assert rows[1]["summary"] == '\'=HYPERLINK("https://evil.example","click")'
    assert rows[1]["rationale"] == "'+1 and -1 @all"
    assert rows[0]["rating"] == "false"
    assert rows[0]["citation_urls"] == "https://stats.example.org/gdp"
    assert rows[0]["public_url"].endswith(f"/{plain.pk}/")
    assert export.file_size == len(content(export, exports_dir))


def test_json_lines_are_the_api_representation(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any, api_client: Any
) -> None:
    verdicts = published_rows(3)
    export = started(editor, "jsonl", django_capture_on_commit_callbacks)
    lines = content(export, exports_dir).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [v.pk for v in verdicts]
    api = api_client.get(f"/api/v1/verdicts/{verdicts[0].pk}/").json()
    first = json.loads(lines[0])
    # The same document as the API's, but for the URL of the public page (the API's is absolute).
    assert {k: v for k, v in first.items() if k != "public_url"} == {
        k: v for k, v in api.items() if k != "public_url"
    }
    assert api["public_url"].endswith(first["public_url"])


def test_claimreview_is_one_json_ld_document(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    published_rows(3)
    export = started(editor, "claimreview", django_capture_on_commit_callbacks)
    document = json.loads(content(export, exports_dir))
    assert document["@context"] == "https://schema.org"
    assert [item["@type"] for item in document["@graph"]] == ["ClaimReview"] * 3
    assert all("@context" not in item for item in document["@graph"])
    assert export.file_name.endswith(".jsonld")


def test_an_empty_export_is_a_valid_document(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    export = started(editor, "claimreview", django_capture_on_commit_callbacks)
    assert json.loads(content(export, exports_dir)) == {"@context": "https://schema.org", "@graph": []}
    assert (export.state, export.total, export.percent) == (ExportState.DONE, 0, 100)


def test_filters_select_as_the_verdict_list_does(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any, api_client: Any
) -> None:
    make_verdict(rating_slug="false")
    make_verdict(rating_slug="true", summary="Right.")
    # "q" is full-text search: a stop word such as "again" would find nothing.
    wanted = make_verdict(rating_slug="true", summary="Right, as the census confirmed.")
    filters = {"rating": "true", "q": "census"}
    export = started(editor, "jsonl", django_capture_on_commit_callbacks, filters)
    ids = [json.loads(line)["id"] for line in content(export, exports_dir).splitlines()]
    listed = [row["id"] for row in api_client.get("/api/v1/verdicts/", filters).json()["results"]]
    assert ids == listed == [wanted.pk]


def test_progress_moves_while_it_runs(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    published_rows(5)
    seen: list[tuple[int, int | None]] = []
    original = exports._progress

    def progress(export: Export, written: int) -> None:
        original(export, written)
        row = Export.objects.get(pk=export.pk)
        seen.append((row.rows_written, row.total))

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(exports, "_progress", progress)
    export = started(editor, "csv", django_capture_on_commit_callbacks)
    assert seen == [(2, 5), (4, 5)]
    assert (export.rows_written, export.total) == (5, 5)


def test_a_second_run_skips(editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any) -> None:
    make_verdict()
    export = started(editor, "csv", django_capture_on_commit_callbacks)
    assert export_run(export_id=export.pk) == "skipped"
    assert export_run(export_id=10**12) == "skipped"
    assert len(list(exports_dir.iterdir())) == 1


def test_filters_that_no_longer_validate_fail_the_export_with_the_reason(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    RatingLabel.objects.create(slug="gone-soon", name="Gone soon", order=99, rating_value=1)
    with django_capture_on_commit_callbacks(execute=False):
        export = export_start(owner=editor, format="csv", filters={"rating": "gone-soon"})
    RatingLabel.objects.filter(slug="gone-soon").delete()
    assert export_run(export_id=export.pk) == ExportState.FAILED
    export.refresh_from_db()
    assert export.error == (
        "Its filters no longer validate (rating: Select a valid choice. gone-soon is not one of the "
        "available choices.); start a new export."
    )
    assert (export.file_name, export.finished_at is not None) == ("", True)
    assert refused(lambda: export_file_open(export_id=export.pk, user=editor), Conflict).message == (
        f"This export failed: {export.error}"
    )


def test_a_storage_that_cannot_be_written_fails_the_export_with_the_reason(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    exports_dir.parent.mkdir(exist_ok=True)
    exports_dir.write_text("a file where the folder should be")
    export = started(editor, "csv", django_capture_on_commit_callbacks)
    assert export.state == ExportState.FAILED
    assert export.error.startswith("The file could not be written: ")
    assert export.error != "The file could not be written: "


def test_a_run_taken_over_stores_nothing(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    published_rows(3)
    with django_capture_on_commit_callbacks(execute=False):
        export = export_start(owner=editor, format="csv")
    original = exports._progress

    def taken_over(run: Export, written: int) -> None:
        # Another worker took the export (this one was thought dead) before this one's first update.
        Export.objects.filter(pk=run.pk).update(attempts=run.attempts + 1)
        original(run, written)

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(exports, "_progress", taken_over)
    assert export_run(export_id=export.pk) == "skipped"
    export.refresh_from_db()
    assert (export.state, export.file_name) == (ExportState.RUNNING, "")
    assert not exports_dir.exists() or not list(exports_dir.iterdir())


# --- sweeping --------------------------------------------------------------------------------------


def test_the_sweep_expires_old_exports_and_deletes_their_files(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    old = started(editor, "csv", django_capture_on_commit_callbacks)
    fresh = started(editor, "jsonl", django_capture_on_commit_callbacks)
    Export.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert exports_sweep().expired == 1
    old.refresh_from_db()
    assert (old.state, old.file_name) == (ExportState.EXPIRED, "")
    assert sorted(path.name for path in exports_dir.iterdir()) == [fresh.file_name]
    assert refused(lambda: export_file_open(export_id=old.pk, user=editor), Gone).message == (
        "This export has expired and its file was deleted; start a new one."
    )


def test_the_sweep_sends_stuck_exports_again(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    make_verdict()
    with django_capture_on_commit_callbacks(execute=False):  # the message is lost
        lost = export_start(owner=editor, format="csv")
        recent = export_start(owner=editor, format="csv")
    dead_worker = Export.objects.create(owner=editor, format="jsonl", state=ExportState.RUNNING, attempts=1)
    long_ago = timezone.now() - dt.timedelta(seconds=settings.FACTCHECK_EXPORT_RESEND_SECONDS + 1)
    Export.objects.filter(pk=lost.pk).update(created_at=long_ago)
    Export.objects.filter(pk=dead_worker.pk).update(heartbeat_at=long_ago)

    assert exports_sweep().resent == 2  # run at once here (eager tasks)
    states = dict(Export.objects.values_list("pk", "state"))
    assert states == {
        lost.pk: ExportState.DONE,
        dead_worker.pk: ExportState.DONE,
        recent.pk: ExportState.QUEUED,
    }
    assert Export.objects.get(pk=dead_worker.pk).attempts == 2


# --- downloading -----------------------------------------------------------------------------------


def test_the_file_is_for_its_owner_and_editors_only(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    export = started(editor, "csv", django_capture_on_commit_callbacks)
    other_editor = UserFactory.create(username="ed2", is_staff=True)
    other_editor.groups.add(*editor.groups.all())
    stranger = UserFactory.create(username="stranger")

    for user in (editor, other_editor):
        opened = export_file_open(export_id=export.pk, user=user)
        with opened.file:
            assert opened.file.read() == content(export, exports_dir)
        assert opened.download_name == f"factcheck-verdicts-export-{export.pk}.csv"
    outsiders: list[User | None] = [stranger, None]
    for outsider in outsiders:
        error = refused(partial(export_file_open, export_id=export.pk, user=outsider), NotFound)
        assert error.message == "No export with this id (or not visible to you)."


def test_an_unfinished_export_cannot_be_downloaded(
    editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        export = export_start(owner=editor, format="csv")
    assert refused(lambda: export_file_open(export_id=export.pk, user=editor), Conflict).message == (
        "This export is queued; its file can be downloaded once it is done."
    )


def test_an_owner_who_is_no_longer_an_editor_still_gets_their_file(
    editor: User, exports_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    make_verdict()
    export = started(editor, "csv", django_capture_on_commit_callbacks)
    editor.groups.clear()
    fresh = User.objects.get(pk=editor.pk)
    assert export_file_open(export_id=export.pk, user=fresh).export == export


def test_the_constraints_hold(editor: User) -> None:
    from django.db import IntegrityError, transaction

    for fields in (
        {"state": ExportState.DONE},
        {"state": ExportState.FAILED},
        {"state": "lost"},
        {"format": "xlsx"},
        {"rows_written": 3, "total": 2},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Export.objects.create(owner=editor, **{"format": ExportFormat.CSV, **fields})
