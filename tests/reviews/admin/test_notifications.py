"""Notifications at the desk: editors read the log (read-only, a fixed number of queries); reviewers
cannot open it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews.models import Notification, NotificationKind, NotificationStatus, Verdict
from tests.factories import ClaimFactory, UserFactory
from tests.reviews.admin.desk import client_for

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("admin:reviews_notification_changelist")


def notifications(count: int) -> list[Notification]:
    verdict = Verdict.objects.create(claim=ClaimFactory.create())
    users = [UserFactory.create() for _ in range(count)]
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=NotificationKind.WORK_WAITING,
            verdict=verdict,
            dedup_key=f"work_waiting:{verdict.pk}:x",
            status=NotificationStatus.FAILED,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        )
        for user in users
    )


def test_editors_read_the_log_in_a_fixed_number_of_queries(
    desk: Client, django_assert_max_num_queries: Any
) -> None:
    notifications(120)
    with django_assert_max_num_queries(10):
        response = desk.get(NOTIFICATIONS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert page.count("A submitted verdict is waiting for an editor") >= 100


def test_the_log_is_read_only(desk: Client) -> None:
    row = notifications(1)[0]
    change = reverse("admin:reviews_notification_change", args=[row.pk])
    page = desk.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert desk.post(change, {"status": NotificationStatus.PENDING}).status_code == 403
    assert desk.get(reverse("admin:reviews_notification_add")).status_code == 403
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED


def test_reviewers_cannot_open_it(reviewer: User) -> None:
    response = client_for(reviewer).get(NOTIFICATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_desk_links_to_the_editors_own_preferences(desk: Client) -> None:
    page = desk.get(reverse("admin:index")).content.decode()
    assert f'<a href="{reverse("reviews:notification-preferences")}">Notifications</a>' in page
