"""Webhooks end to end against a real HTTP receiver on 127.0.0.1: the outbox rows written with the change,
signed bodies of public data, retries, final failures, disabling, the private-address guard, duplicate
tasks and the sweep."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from reviews.api.serializers import VerdictSerializer
from reviews.exceptions import ValidationFailed
from reviews.models import (
    DeliveryStatus,
    EventAction,
    ReviewEvent,
    Verdict,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from reviews.services import webhooks
from reviews.services.messages import WEBHOOK_DELIVER, task_named
from reviews.services.verdicts import verdict_correct, verdict_publish, verdict_retract
from reviews.services.webhooks import (
    webhook_deliver,
    webhook_endpoint_register,
    webhook_redeliver,
    webhooks_sweep,
)
from tests.reviews.services.test_verdicts import CORRECTED, submit_for_review
from tests.reviews.webhook_receiver import Receiver, running_receiver

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEventType.values)
PRIVATE = (
    "The URL points to a private, loopback or link-local address ({}), which is refused "
    "(FACTCHECK_ALLOW_PRIVATE_URLS is off)."
)
VERDICT_EVENTS = [WebhookEventType.VERDICT_PUBLISHED]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    yield from running_receiver()


def register(receiver: Receiver, editor: User, events: list[str] | None = None) -> WebhookEndpoint:
    endpoint = webhook_endpoint_register(url=receiver.url, events=events or VERDICT_EVENTS, editor=editor)
    receiver.secret = endpoint.secret
    return endpoint


def publish(verdict: Verdict, editor: User, capture: Any) -> Verdict:
    with capture(execute=True):
        return verdict_publish(verdict_id=verdict.pk, editor=editor)


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def only_delivery() -> WebhookDelivery:
    (delivery,) = WebhookDelivery.objects.all()
    return delivery


def test_publish_sends_a_signed_body_after_commit(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor)
    verdict = publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)

    (got,) = receiver.received
    assert got.signature_ok  # checked by the receiver with the code docs/webhooks.md shows
    body = json.loads(got.body)
    assert body["type"] == "verdict.published"
    assert got.headers["X-Factcheck-Event-Id"] == body["id"]
    assert got.headers["X-Factcheck-Event"] == "verdict.published"
    assert got.headers["X-Factcheck-Signature"].startswith("t=")
    assert body["data"]["verdict"]["id"] == verdict.pk
    assert body["data"]["verdict"]["public_url"] == f"https://factcheck.example.org/verdicts/{verdict.pk}/"
    assert body["data"]["claimreview"]["@type"] == "ClaimReview"
    delivery = only_delivery()
    assert str(delivery.event_id) == body["id"]
    assert delivery.status == DeliveryStatus.DELIVERED
    (attempt,) = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
    assert attempt.response_excerpt.startswith("answer 200 ")
    assert len(attempt.response_excerpt) == webhooks.RESPONSE_EXCERPT_CHARS


def test_a_forged_signature_is_rejected_by_the_documented_check(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor)
    receiver.secret = "not-the-secret"
    publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    (got,) = receiver.received
    assert not got.signature_ok


def test_delivery_is_stored_in_the_publishing_transaction(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor)
    submitted = submit_for_review(reviewer)
    seen_inside: list[int] = []

    def publish_then_fail() -> None:
        with transaction.atomic():
            verdict_publish(verdict_id=submitted.pk, editor=editor)
            seen_inside.append(WebhookDelivery.objects.count())
            raise RuntimeError("the publication's transaction rolls back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        publish_then_fail()
    assert seen_inside == [1]  # written with the publication...
    # ...and gone with it: nothing stored, nothing sent.
    assert WebhookDelivery.objects.count() == 0
    assert callbacks == []
    assert receiver.received == []
    assert Verdict.objects.get(pk=submitted.pk).status == "submitted"


def test_nothing_is_recorded_without_a_subscribed_endpoint(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor, events=[WebhookEventType.VERDICT_RETRACTED])
    WebhookEndpoint.objects.create(url=receiver.url, events=VERDICT_EVENTS, secret="s", is_active=False)
    publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 0
    assert receiver.received == []


def test_verdict_bodies_hold_published_fields_only(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor, events=ALL_EVENTS)
    User.objects.filter(pk=reviewer.pk).update(username="reviewer-private-name")
    submitted = submit_for_review(reviewer)
    # Editor-only work on the verdict: a note to the reviewer, never shown to readers.
    Verdict.objects.filter(pk=submitted.pk).update(editor_note="EDITOR-ONLY-NOTE")
    verdict = publish(submitted, editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        verdict_retract(verdict_id=verdict.pk, editor=editor, note="The source was forged.")

    bodies = {json.loads(r.body)["type"]: json.loads(r.body) for r in receiver.received}
    published = bodies["verdict.published"]["data"]["verdict"]
    assert set(published) == set(VerdictSerializer.Meta.fields)
    for got in receiver.received:
        assert b"EDITOR-ONLY-NOTE" not in got.body
        assert b"reviewer-private-name" not in got.body
    assert bodies["verdict.retracted"]["data"] == {
        "verdict": {
            "id": verdict.pk,
            "claim": verdict.claim_id,
            "version": 1,
            "status": "retracted",
            "retracted_at": Verdict.objects.get(pk=verdict.pk).retracted_at.isoformat(),  # type: ignore[union-attr]
            "retraction_note": "The source was forged.",
        }
    }


def test_correction_sends_the_new_version(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor, events=[WebhookEventType.VERDICT_CORRECTED])
    old = publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        new = verdict_correct(verdict_id=old.pk, editor=editor, data=CORRECTED, note="Wrong year.")
    (got,) = receiver.received
    verdict = json.loads(got.body)["data"]["verdict"]
    assert (verdict["id"], verdict["previous"], verdict["correction_note"]) == (new.pk, old.pk, "Wrong year.")


def test_scorecard_updates_are_sent_once_the_article_is_public(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    register(receiver, editor, events=[WebhookEventType.SCORECARD_UPDATED])
    submitted = submit_for_review(reviewer)
    # Submitting built the scorecard of an article with nothing published: not public, not sent.
    assert receiver.received == []
    publish(submitted, editor, django_capture_on_commit_callbacks)
    (got,) = receiver.received
    body = json.loads(got.body)
    assert body["type"] == "scorecard.updated"
    assert body["data"]["scorecard"]["article"] == submitted.claim.article_id
    assert got.signature_ok


def test_a_500_is_retried_with_backoff_then_delivered(
    receiver: Receiver, editor: User, reviewer: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.FACTCHECK_WEBHOOK_BACKOFF_SECONDS = 60
    register(receiver, editor)
    receiver.statuses = [500]
    before = timezone.now()
    publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    delivery = only_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 500.")
    # First retry after 30-60 s (60 s, jittered over its upper half); the retry message sent meanwhile
    # ran at once (eager) and found it not due.
    wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=29) < wait < dt.timedelta(seconds=61)
    assert len(receiver.received) == 1

    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == "delivered"
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 200]
    assert [json.loads(r.body)["id"] for r in receiver.received] == [str(delivery.event_id)] * 2


def test_tries_are_bounded(receiver: Receiver, editor: User, settings: Any) -> None:
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 3
    endpoint = register(receiver, editor)
    receiver.statuses = [503, 429, 502, 200]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    for _ in range(3):
        make_due(delivery)
        webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 502.")
    assert len(receiver.received) == 3


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_4xx_is_final(receiver: Receiver, editor: User, status: int) -> None:
    endpoint = register(receiver, editor)
    receiver.statuses = [status]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    make_due(delivery)
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error) == (1, f"HTTP {status}.")
    assert len(receiver.received) == 1


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried(receiver: Receiver, editor: User, status: int) -> None:
    endpoint = register(receiver, editor)
    receiver.statuses = [status]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "pending"


def test_a_redirect_is_not_followed(receiver: Receiver, editor: User) -> None:
    endpoint = register(receiver, editor)
    receiver.statuses = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "Redirects are not followed."
    assert len(receiver.received) == 1


def test_a_timeout_is_retried(receiver: Receiver, editor: User, settings: Any) -> None:
    settings.FACTCHECK_WEBHOOK_TIMEOUT_SECONDS = 0.2
    endpoint = register(receiver, editor)
    receiver.delay = 0.6
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.last_error == "Timed out."


def test_an_endpoint_failing_again_and_again_is_disabled(
    receiver: Receiver, editor: User, settings: Any
) -> None:
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 1
    settings.FACTCHECK_WEBHOOK_DISABLE_AFTER = 3
    endpoint = register(receiver, editor)
    receiver.statuses = [500, 200, 500, 500, 500]
    deliveries = [
        WebhookDelivery.objects.create(
            endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
        )
        for _ in range(6)
    ]
    outcomes = [webhook_deliver(delivery_id=d.pk) for d in deliveries]
    # A success in between resets the count; three failures in a row disable the endpoint, and the
    # delivery after that is not sent.
    assert outcomes == ["failed", "delivered", "failed", "failed", "failed", "failed"]
    assert len(receiver.received) == 5
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == (
        "Disabled after 3 deliveries in a row failed; the last one: HTTP 500.. "
        "Fix the receiver, then mark the endpoint active again."
    )
    assert WebhookDelivery.objects.get(pk=deliveries[-1].pk).last_error == "The endpoint is not active."
    event = ReviewEvent.objects.get(action=EventAction.WEBHOOK_DISABLED)
    assert event.note == endpoint.disabled_reason


def test_private_targets_are_refused_when_not_allowed(
    receiver: Receiver, editor: User, settings: Any
) -> None:
    endpoint = register(receiver, editor)
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = False
    for url in (receiver.url, receiver.localhost_url()):
        with pytest.raises(ValidationFailed) as refused:
            webhook_endpoint_register(url=url, events=VERDICT_EVENTS, editor=editor)
        # localhost resolves to 127.0.0.1, ::1 or both, in an order the host decides.
        assert refused.value.message in [PRIVATE.format(address) for address in ("127.0.0.1", "::1")]
    # Registered while allowed, refused at delivery time: the name is resolved and checked again.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.localhost_url())
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Refused: The URL points to a private")
    assert receiver.received == []


def test_a_duplicate_task_does_not_deliver_twice(receiver: Receiver, editor: User) -> None:
    endpoint = register(receiver, editor)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    assert webhook_deliver(delivery_id=delivery.pk) == "delivered"
    make_due(delivery)  # even when due again, a delivered delivery stays delivered
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.received) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_tasks_deliver_once(receiver: Receiver, editor: User) -> None:
    endpoint = register(receiver, editor)
    receiver.delay = 0.5  # the first request is still in flight when the duplicate runs
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(webhook_deliver(delivery_id=delivery.pk))
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    deadline = time.monotonic() + 5
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.01)
    # The first worker's request is in flight (its claim committed): a duplicate task skips it.
    assert webhook_deliver(delivery_id=delivery.pk) == "skipped"
    first.join(10)
    assert outcomes == ["delivered"]
    assert len(receiver.received) == 1


def test_nothing_is_lost_when_the_task_is_never_sent(
    receiver: Receiver,
    editor: User,
    reviewer: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(receiver, editor)
    task = task_named(WEBHOOK_DELIVER)

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise KombuOperationalError("broker unreachable")

    monkeypatch.setattr(task, "apply_async", broker_down)
    publish(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert receiver.received == []
    assert only_delivery().status == DeliveryStatus.PENDING

    monkeypatch.undo()
    assert webhooks_sweep() == 1
    assert only_delivery().status == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 1


def test_a_delivery_whose_worker_died_is_sent_by_the_sweep(receiver: Receiver, editor: User) -> None:
    endpoint = register(receiver, editor)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={}
    )
    taken = webhooks._take(delivery.pk)  # a worker took it, then was killed before sending
    assert taken is not None
    assert webhooks_sweep() == 0  # in flight: not due until its lease passes
    make_due(delivery)
    assert webhooks_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.received) == 1


def test_redeliver_sends_the_same_event_again(
    receiver: Receiver, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = register(receiver, editor)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=uuid.uuid4(), event_type="verdict.published", payload={"a": 1}
    )
    webhook_deliver(delivery_id=delivery.pk)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery_id=delivery.pk, editor=editor)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert [r.headers["X-Factcheck-Event-Id"] for r in receiver.received] == [str(delivery.event_id)] * 2
    event = ReviewEvent.objects.get(action=EventAction.WEBHOOK_REDELIVERED)
    assert (event.actor, event.from_status, event.to_status) == (editor, "delivered", "pending")


def test_registering_checks_events_and_records_an_audit_row(receiver: Receiver, editor: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        webhook_endpoint_register(url=receiver.url, events=[], editor=editor)
    assert refused.value.message == "Choose at least one event."
    with pytest.raises(ValidationFailed) as refused:
        webhook_endpoint_register(url=receiver.url, events=["verdict.drafted"], editor=editor)
    assert refused.value.message == "Unknown event: verdict.drafted."
    endpoint = register(receiver, editor, events=["scorecard.updated", "verdict.published"])
    assert endpoint.events == ["verdict.published", "scorecard.updated"]
    assert len(endpoint.secret) == 64
    event = ReviewEvent.objects.get(action=EventAction.WEBHOOK_REGISTERED)
    assert event.data["endpoint"] == endpoint.pk
    assert endpoint.secret not in json.dumps(event.data)
