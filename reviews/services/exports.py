"""Exports of published verdicts: started by an editor, written by a worker, downloaded by their owner or
an editor, deleted when they expire.

`export_start` validates the format and the filters (the verdict list's own FilterSet,
`PublishedVerdictFilter`, so an export holds exactly what the list with those parameters shows), stores
the export `queued` and sends `reviews.export_run` after commit. Bad input stores nothing.

`export_run` takes the export (a conditional claim under `select_for_update(skip_locked=True)`: `queued`,
or `running` with a heartbeat older than FACTCHECK_EXPORT_RESEND_SECONDS, whose worker died), streams the
verdicts with `.iterator(chunk_size=...)` into a temporary file through `reviews.api.export_formats`,
moving its progress and heartbeat every PROGRESS_EVERY rows, and saves the file to the "exports" storage.
Every later write is conditional on the run's attempt number, so a run that another took over stops at
its next progress update and stores nothing. No transaction is held open while writing.

`exports_sweep` (beat) expires finished exports past `expires_at` (the file deleted, the row kept as a
record) and sends again the exports a lost message left queued or a dead worker left running.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, BinaryIO

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest
from django.http import QueryDict
from django.utils import timezone

from reviews.api.export_formats import CONTENT_TYPES, FILE_EXTENSIONS, WRITERS
from reviews.api.filters import PublishedVerdictFilter
from reviews.exceptions import Conflict, Gone, NotFound, ValidationFailed
from reviews.models import Export, ExportFormat, ExportState, Verdict
from reviews.roles import require_editor
from reviews.selectors_exports import exports_visible
from reviews.selectors_public import verdicts_published
from reviews.services.dispatch import task_send
from reviews.services.messages import EXPORT_RUN, task_named

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "exports"
# Rows fetched per query (and citations prefetched per chunk), and rows between progress updates.
CHUNK_SIZE = 1000
PROGRESS_EVERY = 1000
SWEEP_LIMIT = 500

FORMAT_UNKNOWN = "Unknown format: {format}. Choose from: {choices}."
FILTERS_NOT_OBJECT = "Filters must be an object of filter names and values."
FILTER_UNKNOWN = "Unknown filter: {name}. Choose from: {choices}."
FILTER_VALUE_INVALID = "Filter {name}: give a text or a number, or a list of them."
FILTER_REFUSED = "Filter {name}: {message}"
EXPORT_NOT_FOUND = "No export with this id (or not visible to you)."
EXPORT_EXPIRED = "This export has expired and its file was deleted; start a new one."
EXPORT_NOT_READY = "This export is {state}; its file can be downloaded once it is done."
EXPORT_FAILED = "This export failed: {error}"
FAILED_FILTERS = "Its filters no longer validate ({problem}); start a new export."
FAILED_TIME_LIMIT = (
    "It took longer than the time limit of {seconds} seconds (FACTCHECK_EXPORT_TIME_LIMIT_SECONDS)."
)
FAILED_STORAGE = "The file could not be written: {error}"
FAILED_INTERNAL = "An unexpected error ({error}); the details are in the worker's log."


class ExportFailed(Exception):
    """Ends a run as failed with `reason`, which the export's owner reads."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def export_storage() -> Storage:
    return storages[STORAGE_ALIAS]


# --------------------------------------------------------------------------------------------------
# Starting
# --------------------------------------------------------------------------------------------------


def _format_checked(format: str) -> str:
    if format not in ExportFormat.values:
        message = FORMAT_UNKNOWN.format(format=str(format)[:50], choices=", ".join(ExportFormat.values))
        raise ValidationFailed(message, field_errors={"format": [message]})
    return format


def _query(filters: Mapping[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in filters.items():
        data.setlist(name, values)
    return data


def _refused(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field_errors={f"filters.{name}": [message]})


def export_filters_clean(filters: Any) -> dict[str, list[str]]:
    """`filters` ({name: value or [values]}, as the verdict list's query parameters) checked with the
    verdict list's FilterSet; returned as lists of strings, ready to store. Refused with the first
    problem's message (every problem in `field_errors`)."""
    if not isinstance(filters, Mapping):
        raise ValidationFailed(FILTERS_NOT_OBJECT, field_errors={"filters": [FILTERS_NOT_OBJECT]})
    known = list(PublishedVerdictFilter.base_filters)
    cleaned: dict[str, list[str]] = {}
    for name, value in filters.items():
        if name not in known:
            raise _refused(
                str(name)[:50], FILTER_UNKNOWN.format(name=str(name)[:50], choices=", ".join(known))
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in values
        ):
            raise _refused(name, FILTER_VALUE_INVALID.format(name=name))
        cleaned[name] = [str(v) for v in values]
    filterset = PublishedVerdictFilter(data=_query(cleaned), queryset=Verdict.objects.none())
    if not filterset.is_valid():
        errors = {
            f"filters.{name}": [str(m) for m in messages] for name, messages in filterset.errors.items()
        }
        name, messages = next(iter(filterset.errors.items()))
        raise ValidationFailed(FILTER_REFUSED.format(name=name, message=messages[0]), field_errors=errors)
    return cleaned


def export_start(*, owner: User | AnonymousUser, format: str, filters: Any = None) -> Export:
    """Start an export of the published verdicts `filters` selects, in `format` (ExportFormat). Editors
    only. Nothing is stored when the format or a filter is refused; the task is sent after commit (a lost
    message is sent again by the sweep)."""
    editor = require_editor(owner, "start exports")
    cleaned_format = _format_checked(format)
    cleaned_filters = export_filters_clean({} if filters is None else filters)
    with transaction.atomic():
        export = Export.objects.create(owner=editor, format=cleaned_format, filters=cleaned_filters)
        export_id = export.pk
        transaction.on_commit(lambda: _send(export_id))
    return export


def _send(export_id: int) -> bool:
    return task_send(
        task_named(EXPORT_RUN),
        args=[export_id],
        what=f"Export {export_id}",
        repair="the exports sweep sends it",
        log=logger,
    )


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


def _stale_before() -> Any:
    return timezone.now() - timedelta(seconds=settings.FACTCHECK_EXPORT_RESEND_SECONDS)


def _take(export_id: int) -> Export | None:
    """Claim the export for this run, or None (done, failed, expired, gone, or running elsewhere)."""
    with transaction.atomic():
        export = (
            Export.objects.select_for_update(skip_locked=True)
            .filter(pk=export_id)
            .filter(
                Q(state=ExportState.QUEUED) | Q(state=ExportState.RUNNING, heartbeat_at__lt=_stale_before())
            )
            .first()
        )
        if export is None:
            return None
        now = timezone.now()
        export.state = ExportState.RUNNING
        export.attempts += 1
        export.started_at = export.heartbeat_at = now
        export.rows_written, export.total, export.error = 0, None, ""
        export.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "heartbeat_at",
                "rows_written",
                "total",
                "error",
            ]
        )
        return export


def _this_run(export: Export) -> QuerySet[Export]:
    return Export.objects.filter(pk=export.pk, state=ExportState.RUNNING, attempts=export.attempts)


class _Superseded(Exception):
    """Another run took the export over (this one's worker was thought dead): stop, store nothing."""


def _progress(export: Export, written: int) -> None:
    # A verdict published during the run can make it write more rows than it counted at the start.
    moved = _this_run(export).update(
        rows_written=written, total=Greatest("total", written), heartbeat_at=timezone.now()
    )
    if not moved:
        raise _Superseded


def _verdicts(filters: Mapping[str, list[str]]) -> QuerySet[Verdict]:
    filterset = PublishedVerdictFilter(data=_query(filters), queryset=verdicts_published())
    if not filterset.is_valid():
        name, messages = next(iter(filterset.errors.items()))
        raise ExportFailed(FAILED_FILTERS.format(problem=f"{name}: {messages[0]}"))
    return filterset.qs.order_by("pk")


def _write(export: Export, verdicts: QuerySet[Verdict], out: BinaryIO) -> int:
    writer = WRITERS[export.format](out)
    writer.begin()
    written = 0
    for verdict in verdicts.iterator(chunk_size=CHUNK_SIZE):
        writer.write(verdict)
        written += 1
        if written % PROGRESS_EVERY == 0:
            _progress(export, written)
    writer.end()
    return written


def _file_name(export: Export) -> str:
    # Not guessable, though only the download views ever read it.
    return f"export-{export.pk}-{secrets.token_hex(8)}.{FILE_EXTENSIONS[ExportFormat(export.format)]}"


def _fail(export: Export, reason: str) -> str:
    _this_run(export).update(state=ExportState.FAILED, error=reason, finished_at=timezone.now())
    return ExportState.FAILED


def export_run(*, export_id: int) -> str:
    """Write the export `export_id`; returns its state afterwards, or "skipped" when it was not queued (or
    stale) or another run took it over. Safe to run twice (see the module's docstring). A transient
    database error puts it back in the queue and is raised, for the task's retry."""
    export = _take(export_id)
    if export is None:
        return "skipped"
    storage = export_storage()
    try:
        verdicts = _verdicts(export.filters)
        _this_run(export).update(total=verdicts.count())
        with tempfile.TemporaryFile() as temporary:
            written = _write(export, verdicts, temporary)
            size = temporary.seek(0, 2)
            temporary.seek(0)
            name = storage.save(_file_name(export), File(temporary))
    except _Superseded:
        return "skipped"
    except ExportFailed as exc:
        return _fail(export, exc.reason)
    except (OperationalError, InterfaceError):
        _this_run(export).update(state=ExportState.QUEUED)
        raise
    except SoftTimeLimitExceeded:
        return _fail(export, FAILED_TIME_LIMIT.format(seconds=settings.FACTCHECK_EXPORT_TIME_LIMIT_SECONDS))
    except OSError as exc:
        logger.exception("Export %s could not be written", export.pk)
        return _fail(export, FAILED_STORAGE.format(error=exc.strerror or type(exc).__name__))
    except Exception as exc:
        logger.exception("Export %s failed", export.pk)
        _fail(export, FAILED_INTERNAL.format(error=type(exc).__name__))
        raise
    now = timezone.now()
    finished = _this_run(export).update(
        state=ExportState.DONE,
        file_name=name,
        file_size=size,
        rows_written=written,
        total=written,
        heartbeat_at=now,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.FACTCHECK_EXPORT_TTL_HOURS),
    )
    if not finished:  # taken over while the file was saved: the other run's file is the one kept
        storage.delete(name)
        return "skipped"
    return ExportState.DONE


# --------------------------------------------------------------------------------------------------
# Sweeping
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    expired: int
    resent: int


def _expire(export: Export) -> bool:
    # The file first: a row marked expired whose file survived would keep a copy nobody can reach or
    # delete. A download finding the file gone before the row is marked answers 410 as well.
    export_storage().delete(export.file_name)
    return bool(
        Export.objects.filter(pk=export.pk, state=ExportState.DONE, file_name=export.file_name).update(
            state=ExportState.EXPIRED, file_name=""
        )
    )


def exports_sweep(*, limit: int = SWEEP_LIMIT) -> SweepOutcome:
    """Expire finished exports whose time is up (deleting their files), and send again the exports left
    queued or running with no progress for FACTCHECK_EXPORT_RESEND_SECONDS. Duplicates with messages still
    queued are harmless: a run takes an export only once (`_take`)."""
    now = timezone.now()
    expiring = Export.objects.filter(state=ExportState.DONE, expires_at__lte=now).order_by("expires_at")
    expired = 0
    for export in expiring.only("pk", "file_name")[:limit]:
        try:
            expired += _expire(export)
        except OSError:
            logger.exception(
                "The file of export %s could not be deleted; the next sweep tries again", export.pk
            )
    stale = _stale_before()
    stuck = (
        Export.objects.filter(
            Q(state=ExportState.QUEUED, created_at__lt=stale)
            | Q(state=ExportState.RUNNING, heartbeat_at__lt=stale)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    resent = sum(1 for export_id in list(stuck) if _send(export_id))
    return SweepOutcome(expired=expired, resent=resent)


# --------------------------------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportFile:
    export: Export
    file: File[bytes]
    download_name: str
    content_type: str


def export_file_open(*, export_id: int, user: Any) -> ExportFile:
    """The finished export's file, opened for reading, for its owner or an editor. NotFound for anybody
    else (an export they cannot see does not exist for them), Gone once expired, Conflict before done or
    after a failure."""
    export = exports_visible(user=user).filter(pk=export_id).first()
    if export is None:
        raise NotFound(EXPORT_NOT_FOUND)
    if export.state == ExportState.EXPIRED:
        raise Gone(EXPORT_EXPIRED)
    if export.state == ExportState.FAILED:
        raise Conflict(EXPORT_FAILED.format(error=export.error))
    if export.state != ExportState.DONE:
        raise Conflict(EXPORT_NOT_READY.format(state=export.get_state_display().lower()))
    try:
        opened = export_storage().open(export.file_name, "rb")
    except FileNotFoundError:
        raise Gone(EXPORT_EXPIRED) from None
    export_format = ExportFormat(export.format)
    return ExportFile(
        export=export,
        file=opened,
        download_name=f"factcheck-verdicts-export-{export.pk}.{FILE_EXTENSIONS[export_format]}",
        content_type=CONTENT_TYPES[export_format],
    )
