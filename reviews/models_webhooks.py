"""Webhooks: endpoints editors register, and the deliveries (the outbox) and attempts made to them.

Kept beside `reviews.models` (which imports these classes). The writers are the services in
`reviews.services.webhooks`; a delivery row is stored in the same transaction as the change it announces,
so the row is the outbox: a lost Celery message or a killed worker delays a delivery, the sweep sends it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WebhookEventType(models.TextChoices):
    VERDICT_PUBLISHED = "verdict.published", "Verdict published"
    VERDICT_CORRECTED = "verdict.corrected", "Verdict corrected"
    VERDICT_RETRACTED = "verdict.retracted", "Verdict retracted"
    SCORECARD_UPDATED = "scorecard.updated", "Scorecard updated"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # A list of WebhookEventType values; a JSON list (not an array) so the demo's SQLite stores it too.
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # Signs every delivery (HMAC-SHA256); shown to the editor once, when the endpoint is registered.
    secret = models.CharField(max_length=100)
    # Deliveries that ended failed in a row; reset by a delivered one. Too many disable the endpoint.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.TextField(blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # Signing with an empty key would let anyone forge a delivery.
            models.CheckConstraint(condition=~Q(secret=""), name="webhookendpoint_secret_required"),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint. `payload` is the body's `data`, rendered from the public
    representation when the event happened (never unpublished work)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40, choices=WebhookEventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Pending: not to be sent before then. A worker taking the delivery moves it past its own timeout
    # (a lease), so a duplicate task skips it and a killed worker's delivery is due again for the sweep.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"  # Django's default is "webhook deliverys"
        ordering = ("-created_at", "-id")
        constraints = [
            # Receivers deduplicate on the event id: one event reaches an endpoint as one delivery.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhookdelivery_one_per_event"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhookdelivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(event_type__in=WebhookEventType.values), name="webhookdelivery_event_type_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="webhookdelivery_delivered_has_time",
            ),
        ]
        indexes = [
            # The sweep's scan: pending deliveries by due time, a small part of the table.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="webhookdelivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what the receiver answered, or why nothing came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"
