"""Notifications through a real Celery worker and Redis: a returned verdict is mailed by the worker after
commit, once, even when its task is delivered twice; a message lost at commit (the broker unreachable)
loses nothing: the sweep sends it and the worker mails it.

The worker runs the demo settings with EMAIL_URL pointing Django's file backend at a directory of this
test, so every mail it sends is a file here."""

from __future__ import annotations

import email
import email.message
import subprocess
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from kombu.exceptions import OperationalError as KombuOperationalError

from reviews.models import Notification, NotificationStatus
from reviews.services.messages import NOTIFICATION_SEND, task_named
from reviews.services.notifications import notifications_sweep
from reviews.services.verdicts import verdict_publish, verdict_return
from tests.e2e.conftest import wait_for
from tests.reviews.services.test_verdicts import submit_for_review

pytestmark = [pytest.mark.postgres, pytest.mark.broker]

SITE = "https://factcheck.example.org"
NOTE = "Cite the 2016 edition of the report, not the 2012 one."


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def worker_extra_env(mail_dir: Path) -> dict[str, str]:
    # Four slashes: django-environ drops one from filemail:// URLs.
    return {"EMAIL_URL": f"filemail:///{mail_dir}", "FACTCHECK_SITE_URL": SITE}


def mails(mail_dir: Path) -> list[email.message.Message]:
    if not mail_dir.exists():
        return []
    # The file backend writes one file per connection: the mail, then a line of 79 dashes.
    return [
        email.message_from_bytes(path.read_bytes().rsplit(b"-" * 79, 1)[0])
        for path in sorted(mail_dir.iterdir())
    ]


def text_of(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def test_a_returned_verdict_is_mailed_once_by_the_worker(
    celery_worker_process: subprocess.Popen[bytes],
    mail_dir: Path,
    editor: User,
    reviewer: User,
    tmp_path: Path,
) -> None:
    verdict = verdict_return(verdict_id=submit_for_review(reviewer).pk, editor=editor, note=NOTE)

    row = wait_for(
        lambda: Notification.objects.filter(status=NotificationStatus.SENT).first(),
        timeout=60,
        what="the worker to mail the notification",
    )
    (message,) = wait_for(lambda: mails(mail_dir), timeout=10, what="the mail file")
    assert message["To"] == "rev@example.org"
    assert message["Subject"] == f"Your verdict {verdict.pk} was returned to you"
    assert message["List-Unsubscribe"].strip().startswith(f"<{SITE}/unsubscribe/")
    body = text_of(message)
    assert NOTE in body
    assert f"Change it and submit it again: {SITE}/tasks/{verdict.task_id}/" in body
    assert row.attempts == 1

    # The same message delivered again (a broker redelivery): the worker skips it.
    task_named(NOTIFICATION_SEND).apply_async(args=(row.pk,))
    log = tmp_path / "worker.log"
    wait_for(
        lambda: log.exists() and "succeeded" in log.read_text() and "'skipped'" in log.read_text(),
        timeout=60,
        what="the worker to run the duplicate",
    )
    assert len(mails(mail_dir)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)


def test_a_message_lost_at_commit_is_mailed_after_the_sweep(
    celery_worker_process: subprocess.Popen[bytes],
    mail_dir: Path,
    editor: User,
    reviewer: User,
) -> None:
    verdict = submit_for_review(reviewer)
    unreachable = KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    send = task_named(NOTIFICATION_SEND)
    with mock.patch.object(send, "apply_async", side_effect=unreachable):
        verdict_publish(verdict_id=verdict.pk, editor=editor)  # committed; its mail's message is lost
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 0)

    assert notifications_sweep() == 1  # beat runs it every FACTCHECK_NOTIFY_SWEEP_SECONDS
    wait_for(
        lambda: Notification.objects.filter(pk=row.pk, status=NotificationStatus.SENT).exists(),
        timeout=60,
        what="the worker to mail the swept notification",
    )
    (message,) = wait_for(lambda: mails(mail_dir), timeout=10, what="the mail file")
    assert message["Subject"] == f"Your verdict {verdict.pk} was published"
    assert f"Read it as readers see it: {SITE}/verdicts/{verdict.pk}/" in text_of(message)


def test_the_worker_settings_read_the_mail_url(worker_extra_env: dict[str, str], mail_dir: Path) -> None:
    # Guards the e2e tests above: the URL they give the worker names this directory, absolute.
    import environ

    config: dict[str, Any] = environ.Env.email_url_config(worker_extra_env["EMAIL_URL"])
    assert config["EMAIL_FILE_PATH"] == str(mail_dir)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
