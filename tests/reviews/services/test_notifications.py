"""Email notifications: recorded with the return or publication, mailed once after commit, never to those
who opted out; editors told of work waiting past the setting once per waiting episode; mail failures
retried, then given up; the sweep; the mails' words and links."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.exceptions import NotFound
from reviews.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_notifications import UNSUBSCRIBE_INVALID
from reviews.services import notifications
from reviews.services.notifications import (
    notification_preferences_update,
    notification_send,
    notification_unsubscribe,
    notifications_sweep,
    notifications_work_waiting,
    unsubscribe_token,
)
from reviews.services.queue import task_claim_next, task_submit
from reviews.services.verdicts import verdict_publish, verdict_return
from tests.factories import UserFactory
from tests.reviews.services.test_verdicts import SUBMITTED, submit_for_review

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SITE = "https://factcheck.example.org"
NOTE = "The 2012 report is superseded: cite the 2016 edition."


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.FACTCHECK_SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "desk@factcheck.example.org"
    settings.FACTCHECK_NOTIFY_WAITING_HOURS = 24


def returned(verdict: Verdict, editor: User, capture: Any, note: str = NOTE) -> Verdict:
    with capture(execute=True):
        return verdict_return(verdict_id=verdict.pk, editor=editor, note=note)


def published(verdict: Verdict, editor: User, capture: Any) -> Verdict:
    with capture(execute=True):
        return verdict_publish(verdict_id=verdict.pk, editor=editor)


def make_editor(username: str, **fields: Any) -> User:
    user = UserFactory.create(username=username, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --------------------------------------------------------------------------------------------------
# Returned and published verdicts
# --------------------------------------------------------------------------------------------------


def test_a_returned_verdict_mails_its_reviewer_once_after_commit(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = submit_for_review(reviewer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        verdict_return(verdict_id=verdict.pk, editor=editor, note=NOTE)
        # Stored with the return, in its transaction; nothing mailed before the commit.
        row = Notification.objects.get()
        assert (row.recipient, row.kind, row.status, row.note) == (
            reviewer,
            NotificationKind.VERDICT_RETURNED,
            NotificationStatus.PENDING,
            NOTE,
        )
    assert mail.outbox == []
    assert callbacks
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rev@example.org"]
    assert message.from_email == "desk@factcheck.example.org"
    assert message.subject == f"Your verdict {verdict.pk} was returned to you"
    task_link = f"{SITE}/tasks/{verdict.task_id}/"
    assert "An editor returned your verdict" in message.body
    assert "“The GDP grew 3% in 2019.”" in message.body
    assert f"The editor's note:\n\n{NOTE}\n" in message.body
    assert f"Change it and submit it again: {task_link}" in message.body
    assert f"Choose which mails you get: {SITE}/preferences/" in message.body
    html, mimetype = message.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert f'<a href="{task_link}">Change it and submit it again</a>' in html
    assert NOTE in html
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 1, "")
    assert row.sent_at is not None

    # The task delivered again (a redelivered message, a duplicate): nothing more is mailed.
    assert notification_send(notification_id=row.pk) == "skipped"
    assert notifications_sweep() == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_return_stores_and_mails_nothing(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = submit_for_review(reviewer)

    def return_then_fail() -> None:
        with transaction.atomic():
            verdict_return(verdict_id=verdict.pk, editor=editor, note=NOTE)
            raise RuntimeError("the caller's transaction fails after the return")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        return_then_fail()
    assert not Notification.objects.exists()
    assert mail.outbox == []
    verdict.refresh_from_db()
    assert verdict.status == VerdictStatus.SUBMITTED


def test_each_return_of_a_verdict_is_its_own_notification(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = returned(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    outcome = task_claim_next(reviewer=reviewer)
    assert outcome is not None
    task_submit(
        task_id=outcome.task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )
    returned(verdict, editor, django_capture_on_commit_callbacks, note="Now cite the table too.")

    assert Notification.objects.count() == 2
    assert [m.subject for m in mail.outbox] == [f"Your verdict {verdict.pk} was returned to you"] * 2
    assert "Now cite the table too." in mail.outbox[1].body
    assert NOTE not in mail.outbox[1].body


def test_a_published_verdict_mails_its_reviewer(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = published(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rev@example.org"]
    assert message.subject == f"Your verdict {verdict.pk} was published"
    assert f"Your verdict {verdict.pk} was published as “Mostly false”." in message.body
    assert f"Read it as readers see it: {SITE}/verdicts/{verdict.pk}/" in message.body
    row = Notification.objects.get()
    assert (row.kind, row.dedup_key, row.status) == (
        NotificationKind.VERDICT_PUBLISHED,
        f"verdict_published:{verdict.pk}",
        NotificationStatus.SENT,
    )


def test_one_event_can_never_be_stored_twice(reviewer: User, editor: User) -> None:
    verdict = submit_for_review(reviewer)
    Notification.objects.create(
        recipient=reviewer, kind=NotificationKind.VERDICT_PUBLISHED, verdict=verdict, dedup_key="k"
    )
    with pytest.raises(IntegrityError, match="notification_one_per_event"), transaction.atomic():
        Notification.objects.create(
            recipient=reviewer, kind=NotificationKind.VERDICT_PUBLISHED, verdict=verdict, dedup_key="k"
        )


@pytest.mark.parametrize(
    ("kind", "act"),
    [
        (NotificationKind.VERDICT_RETURNED, returned),
        (NotificationKind.VERDICT_PUBLISHED, published),
    ],
)
def test_a_reviewer_who_opted_out_gets_nothing(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any, kind: str, act: Any
) -> None:
    notification_preferences_update(user=reviewer, wanted={kind: False})
    act(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_opting_out_of_one_kind_keeps_the_other(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    notification_preferences_update(user=reviewer, wanted={NotificationKind.VERDICT_RETURNED: False})
    published(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert [m.subject.split()[-1] for m in mail.outbox] == ["published"]


def test_a_reviewer_without_an_email_address_gets_nothing(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=reviewer.pk).update(email="")
    returned(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_opting_out_stops_a_mail_recorded_but_not_yet_sent(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        verdict_return(verdict_id=submit_for_review(reviewer).pk, editor=editor, note=NOTE)
    notification_preferences_update(user=reviewer, wanted={NotificationKind.VERDICT_RETURNED: False})
    row = Notification.objects.get()
    assert notification_send(notification_id=row.pk) == NotificationStatus.FAILED
    row.refresh_from_db()
    assert row.last_error == notifications.RECIPIENT_GONE
    assert mail.outbox == []


# --------------------------------------------------------------------------------------------------
# Work waiting for editors
# --------------------------------------------------------------------------------------------------


def submitted_hours_ago(reviewer: User, hours: float) -> Verdict:
    verdict = submit_for_review(reviewer)
    Verdict.objects.filter(pk=verdict.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=hours))
    verdict.refresh_from_db()
    return verdict


def test_editors_hear_of_work_waiting_past_the_threshold_once(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    second = make_editor("ed2")
    make_editor("ed3", email="")  # no address: nothing
    quiet = make_editor("ed4")
    notification_preferences_update(user=quiet, wanted={NotificationKind.WORK_WAITING: False})
    old = submitted_hours_ago(reviewer, 25)
    submitted_hours_ago(reviewer, 23)  # not yet past the threshold

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_work_waiting() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ed2@example.org", "ed@example.org"]
    message = mail.outbox[0]
    assert message.subject == f"Verdict {old.pk} has waited over 24 hours for an editor"
    assert f"Verdict {old.pk} was submitted on {old.submitted_at:%Y-%m-%d %H:%M} UTC" in message.body
    assert f"Review it at the desk: {SITE}/admin/reviews/verdict/{old.pk}/change/" in message.body
    assert set(Notification.objects.values_list("recipient", flat=True)) == {editor.pk, second.pk}

    # The next check (beat runs it every minute) finds the same episode: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_work_waiting() == 0
    assert len(mail.outbox) == 2


def test_a_resubmitted_verdict_waits_anew(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = submitted_hours_ago(reviewer, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_work_waiting() == 1
    returned(verdict, editor, django_capture_on_commit_callbacks)
    outcome = task_claim_next(reviewer=reviewer)
    assert outcome is not None
    task_submit(
        task_id=outcome.task.pk, reviewer=reviewer, lease_token=outcome.task.lease_token, data=SUBMITTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_work_waiting() == 0  # submitted just now
        later = timezone.now() + dt.timedelta(hours=25)
        assert notifications_work_waiting(now=later) == 1
    kinds = [n.kind for n in Notification.objects.order_by("pk")]
    assert kinds == [
        NotificationKind.WORK_WAITING,
        NotificationKind.VERDICT_RETURNED,
        NotificationKind.WORK_WAITING,
    ]


def test_the_threshold_is_the_setting(
    reviewer: User, editor: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    submitted_hours_ago(reviewer, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_work_waiting() == 0
        settings.FACTCHECK_NOTIFY_WAITING_HOURS = 2
        assert notifications_work_waiting() == 1
    assert mail.outbox[0].subject.endswith("has waited over 2 hours for an editor")


def test_published_work_is_not_waiting(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    verdict = submitted_hours_ago(reviewer, 30)
    published(verdict, editor, django_capture_on_commit_callbacks)
    assert notifications_work_waiting() == 0


# --------------------------------------------------------------------------------------------------
# Failures, retries and the sweep
# --------------------------------------------------------------------------------------------------


def test_a_mail_server_error_is_tried_again_then_given_up(
    reviewer: User, editor: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FACTCHECK_NOTIFY_MAX_ATTEMPTS = 2
    refused = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=refused):
        returned(submit_for_review(reviewer), editor, django_capture_on_commit_callbacks)
        row = Notification.objects.get()
        assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
        assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
        assert notifications_sweep() == 0  # not due yet
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert notifications_sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 2)
    assert mail.outbox == []


def test_the_sweep_sends_what_a_lost_message_left_pending(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    # The broker was down at commit: the message is lost, the row is not.
    with django_capture_on_commit_callbacks(execute=False):
        verdict_return(verdict_id=submit_for_review(reviewer).pk, editor=editor, note=NOTE)
    assert mail.outbox == []
    assert notifications_sweep() == 1
    assert len(mail.outbox) == 1
    assert notifications_sweep() == 0
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_a_taken_notification_is_skipped_by_a_duplicate_task(
    reviewer: User, editor: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        verdict_return(verdict_id=submit_for_review(reviewer).pk, editor=editor, note=NOTE)
    row = Notification.objects.get()
    taken = notifications._take(row.pk)  # a worker has it and is talking to the mail server
    assert taken is not None
    assert notification_send(notification_id=row.pk) == "skipped"
    assert notifications_sweep() == 0
    assert mail.outbox == []


# --------------------------------------------------------------------------------------------------
# Preferences and unsubscribing
# --------------------------------------------------------------------------------------------------


def test_unsubscribing_by_token_switches_off_that_kind_only(reviewer: User) -> None:
    token = unsubscribe_token(user_id=reviewer.pk, kind=NotificationKind.VERDICT_PUBLISHED)
    assert notification_unsubscribe(token=token) == (reviewer, NotificationKind.VERDICT_PUBLISHED)
    assert notification_unsubscribe(token=token) == (reviewer, NotificationKind.VERDICT_PUBLISHED)
    preference = NotificationPreference.objects.get(user=reviewer)
    assert (preference.email_verdict_published, preference.email_verdict_returned) == (False, True)


@pytest.mark.parametrize("damage", [lambda t: t[:-2] + "xx", lambda t: "nonsense", lambda t: t + "0"])
def test_a_forged_or_damaged_token_is_refused(reviewer: User, damage: Any) -> None:
    token = damage(unsubscribe_token(user_id=reviewer.pk, kind=NotificationKind.VERDICT_PUBLISHED))
    with pytest.raises(NotFound) as refused:
        notification_unsubscribe(token=token)
    assert refused.value.message == UNSUBSCRIBE_INVALID
    assert not NotificationPreference.objects.exists()
