"""Claim thresholds editors set: per source (`SourceThreshold`, by host) here, per feed through
`reviews.services.feeds`. Which one an extraction uses is `reviews.selectors_thresholds`'s precedence.

A change applies to extractions after it (new articles, and re-extraction of existing ones); stored
claims are never re-cut behind an editor's back.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import EventAction, SourceThreshold
from reviews.selectors_thresholds import host_normalised
from reviews.services.events import event_record

THRESHOLD_OUT_OF_RANGE = "A threshold is a score between 0 and 1 (for example 0.41); {value} is not."
HOST_INVALID = (
    "Give the site's host name, such as www.example.com (no scheme, path or port): {host!r} is not one."
)
SOURCE_NOT_FOUND = "No such source threshold."
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")


def threshold_checked(value: float | None, *, field: str = "threshold") -> float | None:
    """`value` when it is a threshold in [0, 1] or None ("not set"); otherwise `ValidationFailed` naming
    `field`."""
    if value is None or 0.0 <= value <= 1.0:
        return value
    message = THRESHOLD_OUT_OF_RANGE.format(value=value)
    raise ValidationFailed(message, field_errors={field: [message]})


def source_host_checked(host: str) -> str:
    """`host` normalised as sources are stored (`host_normalised`); `ValidationFailed` unless it is a
    host name (letters, digits, hyphens and dots, at least one dot)."""
    normalised = host_normalised(host)
    if (
        not normalised
        or "." not in normalised
        or not set(normalised) <= _HOST_CHARS
        or any(not label or label.startswith("-") or label.endswith("-") for label in normalised.split("."))
        or len(normalised) > SourceThreshold._meta.get_field("host").max_length  # type: ignore[operator]
    ):
        message = HOST_INVALID.format(host=host)
        raise ValidationFailed(message, field_errors={"host": [message]})
    return normalised


@transaction.atomic
def source_threshold_set(*, host: str, threshold: float, editor: User, note: str = "") -> SourceThreshold:
    """Set the claim threshold of the source `host` (created, or changed when the source has one):
    `ValidationFailed` for a host that is none or a threshold outside [0, 1], nothing changed. Locks the
    source's row when it exists; two editors setting a new source at once: the second waits on the unique
    host and then changes the first's row."""
    normalised = source_host_checked(host)
    threshold_checked(threshold)
    now = timezone.now()
    row, created = SourceThreshold.objects.select_for_update().get_or_create(
        host=normalised,
        defaults={
            "threshold": threshold,
            "note": note.strip()[:300],
            "updated_by": editor,
            "created_at": now,
        },
    )
    previous = None if created else row.threshold
    if not created:
        row.threshold, row.note, row.updated_by, row.updated_at = threshold, note.strip()[:300], editor, now
        row.save()
    event_record(
        action=EventAction.SOURCE_THRESHOLD_SET,
        actor=editor,
        data={"source": row.pk, "host": row.host, "threshold": threshold, "previous": previous},
    )
    return row


@transaction.atomic
def source_threshold_remove(*, source_id: int, editor: User) -> None:
    """Remove a source's threshold (its articles fall back to the setting, else the model's news
    threshold, from their next extraction). Locks the row; `NotFound` when it is gone."""
    row = SourceThreshold.objects.select_for_update().filter(pk=source_id).first()
    if row is None:
        raise NotFound(SOURCE_NOT_FOUND)
    event_record(
        action=EventAction.SOURCE_THRESHOLD_REMOVED,
        actor=editor,
        data={"source": row.pk, "host": row.host, "threshold": row.threshold},
    )
    row.delete()
