"""Webhooks at the desk: registering shows the secret once, private URLs are refused with the reason,
a disabled endpoint says why, and editors redeliver."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from reviews.services.webhooks import webhook_deliver
from tests.reviews.admin.desk import messages_of, page_text
from tests.reviews.webhook_receiver import Receiver, running_receiver

pytestmark = pytest.mark.django_db

ADD = reverse("admin:reviews_webhookendpoint_add")
DELIVERIES = reverse("admin:reviews_webhookdelivery_changelist")


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    yield from running_receiver()


def test_registering_shows_the_secret_once(desk: Client, receiver: Receiver) -> None:
    response = desk.post(
        ADD,
        {"url": receiver.url, "description": "CMS", "events": ["verdict.published", "verdict.retracted"]}
        | {"is_active": "on"},
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["verdict.published", "verdict.retracted"]
    assert endpoint.created_by is not None
    assert endpoint.secret in response.content.decode()
    assert "shown this once" in page_text(response)
    change = reverse("admin:reviews_webhookendpoint_change", args=[endpoint.pk])
    for url in (change, reverse("admin:reviews_webhookendpoint_changelist")):
        page = desk.get(url)
        assert page.status_code == 200
        assert endpoint.secret not in page.content.decode()


def test_a_private_url_is_refused_with_the_reason(desk: Client, receiver: Receiver, settings: Any) -> None:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    response = desk.post(ADD, {"url": receiver.localhost_url(), "events": ["verdict.published"]})
    assert response.status_code == 200
    # localhost resolves to 127.0.0.1, ::1 or both, in an order the host decides.
    assert response.context["adminform"].form.errors["url"] in [
        [
            f"The URL points to a private, loopback or link-local address ({address}), which is refused "
            "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
        ]
        for address in ("127.0.0.1", "::1")
    ]
    assert not WebhookEndpoint.objects.exists()


def test_a_disabled_endpoint_shows_why_and_can_be_enabled(desk: Client, receiver: Receiver) -> None:
    endpoint = WebhookEndpoint.objects.create(
        url=receiver.url,
        events=["verdict.published"],
        secret="s" * 64,
        is_active=False,
        consecutive_failures=5,
        disabled_reason="Disabled after 5 deliveries in a row failed; the last one: HTTP 500..",
    )
    listing = desk.get(reverse("admin:reviews_webhookendpoint_changelist"))
    assert "Disabled after 5 deliveries in a row failed" in page_text(listing)
    change = reverse("admin:reviews_webhookendpoint_change", args=[endpoint.pk])
    response = desk.post(change, {"url": receiver.url, "events": ["verdict.published"], "is_active": "on"})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_reason) == (True, 0, "")
    assert endpoint.secret == "s" * 64


def test_redeliver_action(desk: Client, receiver: Receiver, django_capture_on_commit_callbacks: Any) -> None:
    endpoint = WebhookEndpoint.objects.create(url=receiver.url, events=["verdict.published"], secret="k" * 64)
    receiver.secret = endpoint.secret
    receiver.statuses = [404]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={"n": 1}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    page = desk.get(reverse("admin:reviews_webhookdelivery_change", args=[delivery.pk]))
    assert "HTTP 404." in page_text(page)  # the attempt log, inline
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            DELIVERIES, {"action": "redeliver", "_selected_action": [str(delivery.pk)]}, follow=True
        )
    assert messages_of(response) == ["1 delivery(ies) queued to be sent again."]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [json.loads(r.body)["id"] for r in receiver.received] == [str(delivery.event_id)] * 2
    assert all(r.signature_ok for r in receiver.received)


def test_deliveries_list_pins_its_queries(desk: Client, django_assert_max_num_queries: Any) -> None:
    endpoint = WebhookEndpoint.objects.create(
        url="https://example.org/", events=["verdict.published"], secret="k"
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={})
        for _ in range(120)
    )
    with django_assert_max_num_queries(12):
        assert desk.get(DELIVERIES).status_code == 200


def test_endpoints_list_pins_its_queries(desk: Client, django_assert_max_num_queries: Any) -> None:
    WebhookEndpoint.objects.bulk_create(
        WebhookEndpoint(url=f"https://example.org/{n}", events=["verdict.published"], secret="k")
        for n in range(120)
    )
    with django_assert_max_num_queries(10):
        assert desk.get(reverse("admin:reviews_webhookendpoint_changelist")).status_code == 200
