"""Webhooks through a real Celery worker and Redis: a publication reaches the receiver after commit, and a
worker killed in the middle of a request loses nothing (the sweep sends the delivery again; the receiver,
deduplicating on the event id, applies it once)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from reviews.models import DeliveryStatus, WebhookDelivery
from reviews.services.verdicts import verdict_publish
from reviews.services.webhooks import webhook_endpoint_register, webhooks_sweep
from tests.e2e.conftest import ROOT, _database_url, wait_for
from tests.reviews.services.test_verdicts import submit_for_review
from tests.reviews.webhook_receiver import Receiver, running_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.FACTCHECK_ALLOW_PRIVATE_URLS = True  # the worker's demo settings allow it too
    yield from running_receiver()


def replacement_worker(first: subprocess.Popen[bytes], tmp_path: Path) -> subprocess.Popen[bytes]:
    """A new worker on the killed one's queue, database and broker (tests/e2e/conftest.py's command)."""
    command = [str(part) for part in first.args]  # type: ignore[union-attr]
    command[command.index("--logfile") + 1] = str(tmp_path / "replacement.log")
    command[command.index("--hostname") + 1] = f"replacement-{uuid.uuid4().hex[:8]}@%h"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": str(settings.FACTCHECK_TEST_REDIS_URL),
        "FACTCHECK_VAR_DIR": str(tmp_path),
    }
    return subprocess.Popen(command, cwd=ROOT, env=env)


def test_a_worker_killed_mid_delivery_loses_nothing(
    celery_worker_process: subprocess.Popen[bytes],
    receiver: Receiver,
    editor: User,
    reviewer: User,
    tmp_path: Path,
) -> None:
    endpoint = webhook_endpoint_register(url=receiver.url, events=["verdict.published"], editor=editor)
    receiver.secret = endpoint.secret
    receiver.delay = 5  # the receiver has the body, the worker waits for an answer...
    verdict = verdict_publish(verdict_id=submit_for_review(reviewer).pk, editor=editor)

    wait_for(lambda: receiver.received, timeout=60, what="the worker's request")
    celery_worker_process.send_signal(signal.SIGKILL)  # ...and dies before storing it
    celery_worker_process.wait(timeout=10)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert not delivery.attempt_log.exists()

    # The taken delivery's lease passes (FACTCHECK_WEBHOOK_TIMEOUT_SECONDS x 3 + 30 s; shortened here),
    # and the beat sweep sends it to whichever worker is up.
    receiver.delay = 0
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    replacement = replacement_worker(celery_worker_process, tmp_path)
    try:
        assert webhooks_sweep() == 1
        delivered = wait_for(
            lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DELIVERED).first(),
            timeout=60,
            what="the replacement worker to deliver",
        )
    finally:
        replacement.terminate()
        replacement.wait(timeout=30)

    assert delivered.attempts == 2
    assert [a.status_code for a in delivered.attempt_log.all()] == [200]
    event_ids = [json.loads(r.body)["id"] for r in receiver.received]
    # At least once: the receiver got it twice, under one event id, so a receiver deduplicating on it
    # applies it once.
    assert event_ids == [str(delivery.event_id)] * 2
    assert all(r.signature_ok for r in receiver.received)
    assert json.loads(receiver.received[-1].body)["data"]["verdict"]["id"] == verdict.pk
