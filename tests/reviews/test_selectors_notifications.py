"""Reads behind the notification preferences page and the unsubscribe link
(reviews/selectors_notifications.py): which kinds a user can get, what they chose, whom a token names.
Changing preferences and unsubscribing are tested with the service
(tests/reviews/services/test_notifications.py); the pages, in tests/reviews/test_views_notifications.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import signing

from reviews.exceptions import NotFound
from reviews.models import NotificationKind, NotificationPreference
from reviews.selectors_notifications import (
    UNSUBSCRIBE_INVALID,
    UNSUBSCRIBE_SALT,
    notification_kinds_for,
    notification_preferences_of,
    unsubscribe_target,
)
from reviews.services.notifications import notification_preferences_update, unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reviewers_get_their_verdicts_kinds_and_editors_waiting_work(reviewer: User, editor: User) -> None:
    assert notification_kinds_for(user=reviewer) == [
        NotificationKind.VERDICT_RETURNED,
        NotificationKind.VERDICT_PUBLISHED,
    ]
    assert NotificationKind.WORK_WAITING in notification_kinds_for(user=editor)
    assert notification_kinds_for(user=UserFactory.create()) == []


def test_preferences_default_to_every_kind_without_storing_a_row(reviewer: User) -> None:
    preference = notification_preferences_of(user=reviewer)
    assert preference.pk is None
    assert (preference.email_verdict_returned, preference.email_verdict_published) == (True, True)
    assert not NotificationPreference.objects.exists()


def test_preferences_are_the_stored_ones_once_changed(reviewer: User) -> None:
    notification_preferences_update(user=reviewer, wanted={NotificationKind.VERDICT_RETURNED: False})
    preference = notification_preferences_of(user=reviewer)
    assert preference.pk is not None
    assert (preference.email_verdict_returned, preference.email_verdict_published) == (False, True)


def test_a_token_names_its_user_and_kind_and_changes_nothing(reviewer: User) -> None:
    token = unsubscribe_token(user_id=reviewer.pk, kind=NotificationKind.VERDICT_PUBLISHED)
    assert unsubscribe_target(token=token) == (reviewer, NotificationKind.VERDICT_PUBLISHED)
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{"u": 999_999, "k": NotificationKind.VERDICT_PUBLISHED.value}, {"u": None}, ["not", "a", "dict"]],
)
def test_a_stale_or_malformed_token_is_not_found(reviewer: User, payload: object) -> None:
    token = signing.dumps(payload, salt=UNSUBSCRIBE_SALT, compress=True)
    with pytest.raises(NotFound) as refused:
        unsubscribe_target(token=token)
    assert refused.value.message == UNSUBSCRIBE_INVALID


def test_a_token_of_an_unknown_kind_is_not_found(reviewer: User) -> None:
    with pytest.raises(NotFound) as refused:
        unsubscribe_target(token=unsubscribe_token(user_id=reviewer.pk, kind="fax"))
    assert refused.value.message == UNSUBSCRIBE_INVALID
