"""Exports: bulk files of published verdicts (CSV, JSON Lines, ClaimReview JSON-LD) written by a worker.

Kept beside `reviews.models` (which imports these classes). The writers are the services in
`reviews.services.exports`. The row is stored before the task is sent, in the same transaction as nothing
else: a lost message leaves it `queued`, a killed worker leaves it `running` with a heartbeat that stops
moving, and the beat sweep sends either again, so a broker outage delays an export and never loses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"
    CLAIMREVIEW = "claimreview", "ClaimReview JSON-LD"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class Export(models.Model):
    # PROTECT: who took a copy of the published work is part of the record, as long as the row lives.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    format = models.CharField(max_length=20, choices=ExportFormat.choices)
    # The verdict-list filters as validated at the start (reviews.api.filters.PublishedVerdictFilter), as
    # query-string values: {"rating": ["false", "mostly-false"], "published_after": ["2026-01-01"]}.
    filters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_written = models.PositiveIntegerField(default=0)
    # Counted when the run starts; null before.
    total = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The name in the "exports" storage (settings.STORAGES); empty until done and again once expired.
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    # Runs started (a lost worker's export is started again by the sweep).
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved with every progress update while running: a running export whose heartbeat stops lost its
    # worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ExportState.values), name="export_state_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="export_format_valid"),
            # A finished export can be downloaded: it names its file and says when it ends.
            models.CheckConstraint(
                condition=~Q(state=ExportState.DONE)
                | (~Q(file_name="") & Q(finished_at__isnull=False) & Q(expires_at__isnull=False)),
                name="export_done_has_file",
            ),
            # Readers are told why an export failed.
            models.CheckConstraint(
                condition=~Q(state=ExportState.FAILED) | ~Q(error=""), name="export_failed_has_reason"
            ),
            # Progress never passes the count it is measured against.
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(rows_written__lte=F("total")),
                name="export_progress_within_total",
            ),
        ]
        indexes = [
            # The sweep's scans: unfinished exports, and finished ones by expiry; few rows each.
            models.Index(
                fields=["created_at"],
                condition=Q(state__in=[ExportState.QUEUED, ExportState.RUNNING]),
                name="export_unfinished_idx",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(state=ExportState.DONE),
                name="export_expiring_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.format}, {self.state})"

    @property
    def percent(self) -> int | None:
        """Progress in whole percent; None before the run has counted its rows."""
        if self.state == ExportState.DONE:
            return 100
        if not self.total:
            return None if self.total is None else 100
        return min(100, self.rows_written * 100 // self.total)
