"""Exports through a real Celery worker and Redis: an editor starts one over the API, the worker writes
the file into the exports storage, and its owner downloads it; an export whose message never reached the
broker stays queued and the sweep sends it again (nothing lost)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from kombu.exceptions import OperationalError

from reviews.models import Export, ExportState
from reviews.services.exports import export_start, exports_sweep
from tests.e2e.conftest import wait_for
from tests.reviews.api.public_data import published_rows, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


def done(export_id: int) -> Export | None:
    return Export.objects.filter(pk=export_id, state__in=[ExportState.DONE, ExportState.FAILED]).first()


def test_the_worker_writes_the_export_its_owner_downloads(
    celery_worker_process: subprocess.Popen[bytes], exports_dir: Path, editor: User
) -> None:
    verdicts = published_rows(25)
    client = token_client(editor)
    response = client.post(
        "/api/v1/exports/", {"format": "jsonl", "filters": {"rating": "false"}}, format="json"
    )
    assert response.status_code == 202
    export = wait_for(lambda: done(response.json()["id"]), timeout=90, what="the worker to write the export")

    assert (export.state, export.rows_written, export.total, export.error) == (ExportState.DONE, 25, 25, "")
    assert (exports_dir / export.file_name).is_file()  # written by the worker process
    download = client.get(f"/api/v1/exports/{export.pk}/download/")
    assert download.status_code == 200
    lines = download.getvalue().decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [v.pk for v in verdicts]


def test_an_export_whose_message_was_lost_is_sent_again_by_the_sweep(
    celery_worker_process: subprocess.Popen[bytes],
    exports_dir: Path,
    editor: User,
    monkeypatch: Any,
    settings: Any,
) -> None:
    published_rows(3)
    from celery import Task

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(Task, "apply_async", broker_down)
        export = export_start(owner=editor, format="claimreview")  # committed; the message is not sent
    assert Export.objects.get(pk=export.pk).state == ExportState.QUEUED

    # FACTCHECK_EXPORT_RESEND_SECONDS pass (moved back here) and beat's sweep runs.
    long_ago = timezone.now() - dt.timedelta(seconds=settings.FACTCHECK_EXPORT_RESEND_SECONDS + 1)
    Export.objects.filter(pk=export.pk).update(created_at=long_ago)
    assert exports_sweep().resent == 1
    finished = wait_for(lambda: done(export.pk), timeout=90, what="the worker to write the resent export")
    assert finished.state == ExportState.DONE
    document = json.loads((exports_dir / finished.file_name).read_bytes())
    assert len(document["@graph"]) == 3
