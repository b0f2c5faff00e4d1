"""The notification preferences page and the unsubscribe link, through Django's test client."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reviews import views_notifications
from reviews.models import NotificationKind, NotificationPreference
from reviews.selectors_notifications import UNSUBSCRIBE_INVALID
from reviews.services.notifications import unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("reviews:notification-preferences")


def unsubscribe_url(user: User, kind: str) -> str:
    return reverse("reviews:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user.pk, kind=kind)})


def test_the_page_requires_login(client: Client) -> None:
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_reviewer_sees_and_changes_the_kinds_that_concern_them(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    page = client.get(PREFERENCES).content.decode()
    assert 'id="id_verdict_returned" checked' in page
    assert 'id="id_verdict_published" checked' in page
    assert "work_waiting" not in page  # an editor's notification

    response = client.post(PREFERENCES, {"verdict_published": "on"}, follow=True)
    assert views_notifications.PREFERENCES_SAVED in response.content.decode()
    preference = NotificationPreference.objects.get(user=reviewer)
    assert (preference.email_verdict_returned, preference.email_verdict_published) == (False, True)
    assert preference.email_work_waiting  # not on the form: left as it was

    page = client.get(PREFERENCES).content.decode()
    assert 'id="id_verdict_returned" checked' not in page


def test_an_editor_sets_the_waiting_work_mails(client: Client, editor: User) -> None:
    client.force_login(editor)
    assert 'id="id_work_waiting" checked' in client.get(PREFERENCES).content.decode()
    client.post(PREFERENCES, {})
    assert NotificationPreference.objects.get(user=editor).email_work_waiting is False


def test_a_user_without_an_address_is_told_why_nothing_comes(client: Client) -> None:
    user = UserFactory.create(username="noaddress", email="")
    client.force_login(user)
    page = client.get(PREFERENCES).content.decode()
    assert views_notifications.NO_EMAIL in page
    assert "There are no notifications for your role." in page


def test_the_unsubscribe_link_asks_then_switches_off_that_kind(client: Client, reviewer: User) -> None:
    url = unsubscribe_url(reviewer, NotificationKind.VERDICT_PUBLISHED)
    page = client.get(url)  # a mail scanner following the link changes nothing
    assert page.status_code == 200
    assert "Stop mails of this kind: “Your verdict was published”?" in page.content.decode()
    assert not NotificationPreference.objects.exists()

    done = client.post(url)  # no sign-in: the signed token is the authority
    assert done.status_code == 200
    assert (
        "You will no longer get mails of this kind: “Your verdict was published”. "
        "Change this on your preferences page."
    ) in done.content.decode()
    preference = NotificationPreference.objects.get(user=reviewer)
    assert (preference.email_verdict_published, preference.email_verdict_returned) == (False, True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_damaged_unsubscribe_link_is_a_404_that_changes_nothing(
    client: Client, reviewer: User, method: str
) -> None:
    url = unsubscribe_url(reviewer, NotificationKind.VERDICT_RETURNED)
    response = getattr(client, method)(url.rstrip("/")[:-3] + "abc/")
    assert response.status_code == 404
    assert UNSUBSCRIBE_INVALID in response.content.decode()
    assert not NotificationPreference.objects.exists()
