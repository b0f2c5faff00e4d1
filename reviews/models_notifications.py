"""Notifications by email: one row per event and recipient (the outbox), and each user's opt-outs.

Kept beside `reviews.models` (which imports these classes). The writers are the services in
`reviews.services.notifications`: a row is stored in the same transaction as the change it announces (a
verdict returned or published) or by the beat check for work waiting too long, so a lost Celery message
or a killed worker delays a mail, and the sweep sends it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    VERDICT_RETURNED = "verdict_returned", "Your verdict was returned to you"
    VERDICT_PUBLISHED = "verdict_published", "Your verdict was published"
    WORK_WAITING = "work_waiting", "A submitted verdict is waiting for an editor"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One mail to one user about one event. `dedup_key` names the event ("verdict_returned:event:81",
    "work_waiting:7:<submitted at>"), so the same event can never be stored, nor mailed, twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    verdict = models.ForeignKey("reviews.Verdict", on_delete=models.CASCADE, related_name="notifications")
    dedup_key = models.CharField(max_length=200)
    # What the mail quotes that may change later (the editor's note of this return), as it was then.
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Pending: not to be sent before then. A worker taking the row moves it past its own time limit (a
    # lease), so a duplicate task skips it, and a killed worker's row is due again for the sweep.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # One event reaches one person once: a retried check, a task run twice or two sweeps at once
            # all meet this constraint instead of sending a second mail.
            models.UniqueConstraint(fields=["recipient", "dedup_key"], name="notification_one_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]
        indexes = [
            # The sweep's scan: pending rows by due time, a small part of the table.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=NotificationStatus.PENDING),
                name="notification_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id} (verdict {self.verdict_id})"


class NotificationPreference(models.Model):
    """Which mails a user wants. No row means every kind: people opt out, not in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_verdict_returned = models.BooleanField("Email me when my verdict is returned to me", default=True)
    email_verdict_published = models.BooleanField("Email me when my verdict is published", default=True)
    email_work_waiting = models.BooleanField(
        "Email me when submitted work waits too long (editors)", default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preferences of user {self.user_id}"


def preference_field(kind: str) -> str:
    """The `NotificationPreference` field that says whether mails of `kind` are wanted."""
    return f"email_{NotificationKind(kind).value}"
