"""Webhooks: registering endpoints, recording deliveries with the change they announce, and sending them.

Outbox: `webhooks_record_*` run inside the transaction of the change (publish, correct, retract, a
scorecard build) and store one `WebhookDelivery` per active endpoint subscribed to the event, with the
body's data rendered from the public representation. A rollback stores nothing; a commit stores the
deliveries, and only then is `reviews.webhook_deliver` sent for each. A lost message or a killed worker
leaves a pending delivery whose due time passes, and the beat sweep (`webhooks_sweep`) sends it again.

Sending (`webhook_deliver`) is at least once: a delivery is taken in a short transaction (a conditional
claim under `select_for_update(skip_locked=True)` that moves its due time past the request's timeout, so
a duplicate task finds it not due or locked and skips it), the request is made with no transaction open,
and its outcome is stored in a second short transaction. Receivers deduplicate on the event id.

The body, its signature and the headers are documented in docs/webhooks.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviews.api.webhook_payloads import retraction_payload, scorecard_payloads, verdict_payload
from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import (
    DeliveryStatus,
    EventAction,
    Verdict,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from reviews.net import TOTAL_TIMEOUTS, UrlRefused, request_checked, url_refusal
from reviews.services.dispatch import task_send
from reviews.services.events import event_record
from reviews.services.messages import WEBHOOK_DELIVER, task_named

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Factcheck-Signature"
EVENT_ID_HEADER = "X-Factcheck-Event-Id"
EVENT_TYPE_HEADER = "X-Factcheck-Event"
USER_AGENT = "factcheck-webhooks/1"
RESPONSE_EXCERPT_CHARS = 500
RESPONSE_READ_BYTES = 4096
# Statuses worth trying again besides 5xx: the receiver timed out (408) or asked us to slow down (429).
RETRIED_4XX = (408, 429)
SWEEP_LIMIT = 1000

EVENTS_MISSING = "Choose at least one event."
EVENT_UNKNOWN = "Unknown event: {event}."
ENDPOINT_DISABLED_REASON = (
    "Disabled after {count} deliveries in a row failed; the last one: {error}. "
    "Fix the receiver, then mark the endpoint active again."
)
ENDPOINT_INACTIVE_ERROR = "The endpoint is not active."
DELIVERY_NOT_FOUND = "No such delivery."
ENDPOINT_NOT_FOUND = "No such endpoint."


# --------------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------------


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: event id, type, when the event happened, and its data."""
    document = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --------------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------------


def _events_checked(events: Sequence[str]) -> list[str]:
    if not events:
        raise ValidationFailed(EVENTS_MISSING, field_errors={"events": [EVENTS_MISSING]})
    for event in events:
        if event not in WebhookEventType.values:
            message = EVENT_UNKNOWN.format(event=event)
            raise ValidationFailed(message, field_errors={"events": [message]})
    return [value for value in WebhookEventType.values if value in events]


def _url_checked(url: str) -> str:
    problem = url_refusal(url)
    if problem is not None:
        raise ValidationFailed(problem, field_errors={"url": [problem]})
    return url.strip()


@transaction.atomic
def webhook_endpoint_register(
    *, url: str, events: Sequence[str], editor: User, description: str = "", is_active: bool = True
) -> WebhookEndpoint:
    """Register an endpoint with a new secret (`endpoint.secret`; show it to the editor once). The URL is
    refused when its form is wrong or its name resolves to a refused address (reviews.net)."""
    endpoint = WebhookEndpoint.objects.create(
        url=_url_checked(url),
        events=_events_checked(events),
        description=description.strip(),
        is_active=is_active,
        secret=secrets.token_hex(32),
        created_by=editor,
    )
    event_record(
        action=EventAction.WEBHOOK_REGISTERED,
        actor=editor,
        data={"endpoint": endpoint.pk, "url": endpoint.url, "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint_id: int, editor: User, url: str, events: Sequence[str], description: str, is_active: bool
) -> WebhookEndpoint:
    """Change an endpoint. Marking a disabled endpoint active again clears its failure count and reason.
    Locks the endpoint."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(ENDPOINT_NOT_FOUND)
    if url.strip() != endpoint.url:
        endpoint.url = _url_checked(url)
    endpoint.events = _events_checked(events)
    endpoint.description = description.strip()
    if is_active and not endpoint.is_active:
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
    endpoint.is_active = is_active
    endpoint.save()
    event_record(
        action=EventAction.WEBHOOK_CHANGED,
        actor=editor,
        data={"endpoint": endpoint.pk, "url": endpoint.url, "events": endpoint.events, "active": is_active},
    )
    return endpoint


# --------------------------------------------------------------------------------------------------
# Recording (inside the change's transaction)
# --------------------------------------------------------------------------------------------------


def _subscribed(event_type: str) -> list[WebhookEndpoint]:
    # Few endpoints, and the demo's SQLite cannot look inside a JSON list: filter them here.
    return [e for e in WebhookEndpoint.objects.filter(is_active=True) if event_type in e.events]


def _record(event_type: str, payloads: Callable[[], list[dict[str, Any]]]) -> list[WebhookDelivery]:
    """Deliveries of `event_type` for each payload, to every subscribed endpoint. Must run inside the
    caller's transaction; renders nothing when no endpoint listens."""
    assert transaction.get_connection().in_atomic_block, "record deliveries inside the change's transaction"
    endpoints = _subscribed(event_type)
    if not endpoints:
        return []
    now = timezone.now()
    deliveries = []
    for payload in payloads():
        event_id = uuid.uuid4()
        deliveries += [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    created = WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(lambda: _send_all(ids))
    return created


def _send_all(delivery_ids: Sequence[int]) -> None:
    for delivery_id in delivery_ids:
        _send(delivery_id)


def _send(delivery_id: int, countdown: float | None = None) -> bool:
    options = {"countdown": countdown} if countdown else {}
    return task_send(
        task_named(WEBHOOK_DELIVER),
        args=[delivery_id],
        what=f"Webhook delivery {delivery_id}",
        repair="the webhook sweep sends it",
        log=logger,
        **options,
    )


def webhooks_record_verdict(*, event_type: WebhookEventType, verdict_id: int) -> list[WebhookDelivery]:
    """A published verdict's deliveries (`verdict.published` or `verdict.corrected`; for a correction,
    the new version). Call inside the transaction that published it."""

    def payloads() -> list[dict[str, Any]]:
        payload = verdict_payload(verdict_id=verdict_id)
        return [payload] if payload is not None else []

    return _record(event_type, payloads)


def webhooks_record_retraction(*, verdict: Verdict) -> list[WebhookDelivery]:
    """A retraction's deliveries (its id and retraction only). Call inside the retracting transaction."""
    return _record(WebhookEventType.VERDICT_RETRACTED, lambda: [retraction_payload(verdict=verdict)])


def webhooks_record_scorecards(*, article_ids: Sequence[int]) -> list[WebhookDelivery]:
    """`scorecard.updated` for those of `article_ids` whose scorecard readers may see. Call inside the
    build's transaction, after the scorecards are written."""
    if not article_ids:
        return []
    return _record(
        WebhookEventType.SCORECARD_UPDATED,
        lambda: list(scorecard_payloads(article_ids=sorted(article_ids)).values()),
    )


# --------------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.status_code is None:
            return not self.error.startswith("Refused:")
        return self.status_code >= 500 or self.status_code in RETRIED_4XX


def backoff_seconds(attempts: int) -> float:
    """Delay before try `attempts + 1`: exponential from FACTCHECK_WEBHOOK_BACKOFF_SECONDS, capped, and
    jittered ("full jitter" over the upper half) so retries of many deliveries do not arrive together."""
    base = settings.FACTCHECK_WEBHOOK_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    capped = min(base, settings.FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS)
    return capped / 2 + random.uniform(0, capped / 2)


def _lease() -> dt.timedelta:
    # Longer than one request can take (reviews.net cuts it at TOTAL_TIMEOUTS x the timeout), with a
    # margin: a duplicate task skips a delivery in flight; one whose worker died is due again after this.
    return dt.timedelta(seconds=settings.FACTCHECK_WEBHOOK_TIMEOUT_SECONDS * TOTAL_TIMEOUTS + 30)


def _take(delivery_id: int) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = timezone.now() + _lease()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delivery


def _post(delivery: WebhookDelivery) -> AttemptOutcome:
    body = delivery_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_TYPE_HEADER: delivery.event_type,
        SIGNATURE_HEADER: signature_header(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        response = request_checked(
            "POST",
            delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=settings.FACTCHECK_WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=RESPONSE_READ_BYTES,
        )
    except UrlRefused as exc:
        error = f"Refused: {exc}"
    except TimeoutError:
        error = "Timed out."
    except (OSError, http.client.HTTPException) as exc:
        error = f"Connection failed: {exc or type(exc).__name__}"
    else:
        status = response.status
        excerpt = response.body.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]
        if 300 <= status < 400:
            error = "Redirects are not followed."
        elif not 200 <= status < 300:
            error = f"HTTP {status}."
    duration = int((time.monotonic() - started) * 1000)
    return AttemptOutcome(status_code=status, error=error, excerpt=excerpt, duration_ms=duration)


def _finish(delivery_id: int, started_at: dt.datetime, outcome: AttemptOutcome) -> tuple[str, float | None]:
    """Store the attempt and the delivery's new state; count a final failure against the endpoint and
    disable it after FACTCHECK_WEBHOOK_DISABLE_AFTER in a row. Locks endpoint, then delivery."""
    with transaction.atomic():
        endpoint_id = WebhookDelivery.objects.values_list("endpoint_id", flat=True).get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
        retry_in: float | None = None
        if outcome.delivered:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            endpoint.consecutive_failures = 0
        elif outcome.retryable and delivery.attempts < settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS:
            retry_in = backoff_seconds(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_in)
            delivery.last_error = outcome.error
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = outcome.error
            endpoint.consecutive_failures += 1
            limit = settings.FACTCHECK_WEBHOOK_DISABLE_AFTER
            if endpoint.is_active and endpoint.consecutive_failures >= limit:
                _disable(endpoint, outcome.error)
        delivery.save(update_fields=["status", "delivered_at", "last_error", "next_attempt_at"])
        endpoint.save(update_fields=["consecutive_failures", "is_active", "disabled_reason", "disabled_at"])
    return delivery.status, retry_in


def _disable(endpoint: WebhookEndpoint, error: str) -> None:
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = ENDPOINT_DISABLED_REASON.format(
        count=endpoint.consecutive_failures, error=error
    )
    event_record(
        action=EventAction.WEBHOOK_DISABLED,
        note=endpoint.disabled_reason,
        data={"endpoint": endpoint.pk, "url": endpoint.url},
    )


def _fail_inactive(delivery: WebhookDelivery) -> str:
    # An endpoint switched off (by an editor or after failures) gets nothing more; redelivering from the
    # admin after it is active again sends it.
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=ENDPOINT_INACTIVE_ERROR
    )
    return DeliveryStatus.FAILED


def webhook_deliver(*, delivery_id: int) -> str:
    """Try one delivery if it is pending and due; returns its status afterwards, or "skipped" when it
    was not due, already delivered or failed, or taken by another worker. Safe to run twice: see the
    module's docstring. Never holds a transaction open across the request."""
    delivery = _take(delivery_id)
    if delivery is None:
        return "skipped"
    if not delivery.endpoint.is_active:
        return _fail_inactive(delivery)
    started_at = timezone.now()
    outcome = _post(delivery)
    status, retry_in = _finish(delivery.pk, started_at, outcome)
    if retry_in is not None:
        _send(delivery.pk, countdown=retry_in)
    return status


def webhooks_sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Send every pending delivery whose due time has passed (a lost message, a killed worker, a retry
    whose message was lost); returns how many were sent. Duplicates with messages still queued are
    harmless: the first to take a delivery moves its due time."""
    ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for delivery_id in ids if _send(delivery_id))


def webhook_redeliver(*, delivery_id: int, editor: User) -> WebhookDelivery:
    """Send a delivery again, whatever became of it, with the same event id (receivers that have it
    already ignore it) and a fresh count of tries. Locks the delivery; sends after commit."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound(DELIVERY_NOT_FOUND)
        previous = delivery.status
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        event_record(
            action=EventAction.WEBHOOK_REDELIVERED,
            actor=editor,
            from_status=previous,
            to_status=DeliveryStatus.PENDING,
            data={"delivery": delivery.pk, "endpoint": delivery.endpoint_id, "event": str(delivery.event_id)},
        )
        transaction.on_commit(lambda: _send(delivery_id))
    return delivery
