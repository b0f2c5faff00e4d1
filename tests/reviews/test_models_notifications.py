"""The named constraints of notifications, each tested to fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import Notification, NotificationKind, NotificationPreference, NotificationStatus, Verdict
from reviews.models_notifications import preference_field
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def violates(name: str, action: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        action()
    assert name in str(excinfo.value)


def notification(reviewer: User, **kwargs: object) -> Notification:
    values: dict[str, object] = {
        "recipient": reviewer,
        "kind": NotificationKind.VERDICT_PUBLISHED,
        "verdict": Verdict.objects.create(claim=ClaimFactory.create()),
        "dedup_key": "verdict_published:1",
    }
    values.update(kwargs)
    return Notification.objects.create(**values)


def test_notification_one_per_event(reviewer: User, editor: User) -> None:
    first = notification(reviewer)
    notification(editor, verdict=first.verdict)  # the same event for somebody else is their own mail
    violates("notification_one_per_event", lambda: notification(reviewer, verdict=first.verdict))


def test_notification_status_valid(reviewer: User) -> None:
    violates("notification_status_valid", lambda: notification(reviewer, status="lost"))


def test_notification_kind_valid(reviewer: User) -> None:
    violates("notification_kind_valid", lambda: notification(reviewer, kind="gossip"))


def test_notification_sent_has_time(reviewer: User) -> None:
    violates("notification_sent_has_time", lambda: notification(reviewer, status=NotificationStatus.SENT))
    sent = notification(reviewer, status=NotificationStatus.SENT, sent_at=timezone.now())
    assert sent.status == NotificationStatus.SENT


def test_every_kind_has_its_preference_field() -> None:
    fields = {f.name for f in NotificationPreference._meta.get_fields()}
    assert {preference_field(kind) for kind in NotificationKind.values} <= fields
