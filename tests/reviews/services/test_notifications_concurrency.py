"""Notifications under concurrency, on PostgreSQL with real threads: waiting checks run at once store and
mail each editor once; two workers sending one notification at once mail it once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import connection
from django.utils import timezone

from reviews.models import Notification, NotificationKind, NotificationStatus, Verdict
from reviews.services.notifications import notification_send, notifications_work_waiting
from tests.factories import UserFactory
from tests.reviews.services.test_verdicts import submit_for_review

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T = TypeVar("T")
RUNS = 4


def at_once(count: int, call: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(count)

    def run() -> T:
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return [future.result() for future in [pool.submit(run) for _ in range(count)]]


def test_waiting_checks_at_once_mail_each_editor_once(reviewer: User, editor: User, settings: Any) -> None:
    settings.FACTCHECK_NOTIFY_WAITING_HOURS = 24
    for name in ("ed2", "ed3"):
        UserFactory.create(username=name, is_staff=True).groups.add(Group.objects.get(name="Editors"))
    verdict = submit_for_review(reviewer)
    Verdict.objects.filter(pk=verdict.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=30))

    stored = at_once(RUNS, notifications_work_waiting)

    assert sum(stored) == 3
    rows = Notification.objects.filter(kind=NotificationKind.WORK_WAITING)
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["ed", "ed2", "ed3"]
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == ["ed2@example.org", "ed3@example.org", "ed@example.org"]


def test_two_workers_sending_one_notification_mail_it_once(reviewer: User) -> None:
    row = Notification.objects.create(
        recipient=reviewer,
        kind=NotificationKind.VERDICT_PUBLISHED,
        verdict=submit_for_review(reviewer),
        dedup_key="verdict_published:x",
    )

    outcomes = at_once(2, lambda: notification_send(notification_id=row.pk))

    assert sorted(outcomes) == [NotificationStatus.SENT, "skipped"]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
