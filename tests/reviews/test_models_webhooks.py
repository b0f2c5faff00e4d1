"""The named constraints of webhook endpoints and deliveries, each tested to fail."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def violates(name: str, action: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    assert name in str(excinfo.value)


def endpoint() -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url="https://example.org/hook", events=["verdict.published"], secret="k"
    )


def delivery(**kwargs: object) -> WebhookDelivery:
    values: dict[str, object] = {
        "endpoint": kwargs.pop("endpoint", None) or endpoint(),
        "event_id": uuid.uuid4(),
        "event_type": "verdict.published",
        "payload": {},
    }
    values.update(kwargs)
    return WebhookDelivery.objects.create(**values)


def test_webhookendpoint_secret_required() -> None:
    violates(
        "webhookendpoint_secret_required",
        lambda: WebhookEndpoint.objects.create(url="https://example.org/", events=[], secret=""),
    )


def test_webhookdelivery_one_per_event() -> None:
    first = delivery()
    violates(
        "webhookdelivery_one_per_event", lambda: delivery(endpoint=first.endpoint, event_id=first.event_id)
    )
    delivery(event_id=first.event_id)  # the same event to another endpoint is fine


def test_webhookdelivery_status_valid() -> None:
    violates("webhookdelivery_status_valid", lambda: delivery(status="sent"))


def test_webhookdelivery_event_type_valid() -> None:
    violates("webhookdelivery_event_type_valid", lambda: delivery(event_type="verdict.drafted"))


def test_webhookdelivery_delivered_has_time() -> None:
    violates("webhookdelivery_delivered_has_time", lambda: delivery(status=DeliveryStatus.DELIVERED))
    delivery(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
