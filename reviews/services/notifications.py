"""Email notifications: recorded with the change they announce, mailed by a worker after commit.

Who hears what:
- a reviewer, when an editor returns their verdict to them (`verdict_returned`, with the editor's note)
  and when their verdict is published (`verdict_published`);
- every editor, when a submitted verdict has waited longer than FACTCHECK_NOTIFY_WAITING_HOURS for one
  of them (`work_waiting`), once per verdict and waiting episode (a verdict returned and submitted again
  waits anew).
Nobody is mailed about their own action, nor without an email address, nor about a kind they opted out
of (`NotificationPreference`; no row means every kind is wanted).

Outbox: `notifications_record_*` run inside the transaction of the return or publication and store one
`Notification` per recipient; the waiting check stores its rows in its own transaction. A rollback stores
nothing; a commit stores the rows, and only then is `reviews.notification_send` sent for each. A lost
message or a killed worker leaves a pending row whose due time passes, and the beat sweep
(`notifications_sweep`) sends it again. `dedup_key` and the constraint `notification_one_per_event`
make one event one row per recipient, whatever runs twice.

Sending (`notification_send`) takes the row in a short transaction (under `select_for_update(skip_locked=
True)`, only if pending and due, moving its due time past the send's time limit: a lease), sends with no
transaction open, and stores the outcome under the row's lock. So a task delivered twice, or run by two
workers at once, mails once: the second finds the row sent, not due, or locked. Only a worker killed
between the mail server accepting the mail and the commit of "sent" leaves a row the sweep mails again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reviews import roles
from reviews.exceptions import ValidationFailed
from reviews.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    ReviewEvent,
    Verdict,
    VerdictStatus,
)
from reviews.models_notifications import preference_field
from reviews.selectors_notifications import UNSUBSCRIBE_SALT, unsubscribe_target
from reviews.services.dispatch import task_send
from reviews.services.messages import NOTIFICATION_SEND, task_named

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 1000

RECIPIENT_GONE = "The recipient has no email address, is inactive, or opted out before it was sent."

# Errors worth another try later: the mail server refused or could not be reached.
MAIL_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)


# --------------------------------------------------------------------------------------------------
# Preferences and unsubscribing
# --------------------------------------------------------------------------------------------------


def notification_preferences_update(*, user: User, wanted: Mapping[str, bool]) -> NotificationPreference:
    """Set which kinds the user wants mailed (`wanted`: NotificationKind value -> bool; kinds left out
    keep their setting). Pending mails of a kind switched off are not sent. Idempotent."""
    fields = {}
    for kind, value in wanted.items():
        if kind not in NotificationKind.values:
            raise ValidationFailed(f"Unknown notification: {kind}.")
        fields[preference_field(kind)] = bool(value)
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        for name, value in fields.items():
            setattr(preference, name, value)
        preference.save()
    return preference


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed token that switches `kind` off for the user (the link in every mail's footer). It does
    not expire: a mail may be read long after it was sent, and all it can do is stop mails."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def notification_unsubscribe(*, token: str) -> tuple[User, str]:
    """Switch off the kind a token names for its user; returns both. Idempotent."""
    user, kind = unsubscribe_target(token=token)
    notification_preferences_update(user=user, wanted={kind: False})
    return user, kind


# --------------------------------------------------------------------------------------------------
# Recording (inside the change's transaction)
# --------------------------------------------------------------------------------------------------


def _wanting(users: QuerySet[User], kind: str) -> QuerySet[User]:
    """Those of `users` who can and want to be mailed about `kind`."""
    return (
        users.filter(is_active=True)
        .exclude(email="")
        .exclude(**{f"notification_preference__{preference_field(kind)}": False})
    )


def _record(rows: Sequence[Notification]) -> list[Notification]:
    """Store `rows` and send each after commit. Must run inside the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, (
        "record notifications inside the change's transaction"
    )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: _send_all(ids))
    return created


def _to_reviewer(*, verdict: Verdict, actor: User | None, kind: NotificationKind) -> User | None:
    if verdict.reviewer_id is None or (actor is not None and verdict.reviewer_id == actor.pk):
        return None  # an editor's own verdict, or a reviewer who is also the editor acting
    return _wanting(User.objects.filter(pk=verdict.reviewer_id), kind).first()


def notifications_record_returned(
    *, verdict: Verdict, event: ReviewEvent, actor: User | None
) -> list[Notification]:
    """Tell the verdict's reviewer it came back to them, quoting the editor's note. Call inside the
    transaction that returned it, with its audit row (each return is its own event)."""
    kind = NotificationKind.VERDICT_RETURNED
    recipient = _to_reviewer(verdict=verdict, actor=actor, kind=kind)
    if recipient is None:
        return []
    key = f"{kind.value}:event:{event.pk}"
    return _record(
        [
            Notification(
                recipient=recipient, kind=kind, verdict=verdict, dedup_key=key, note=verdict.editor_note
            )
        ]
    )


def notifications_record_published(*, verdict: Verdict, actor: User | None) -> list[Notification]:
    """Tell the verdict's reviewer it is published. Call inside the publishing transaction (a verdict is
    published once; a correction is another verdict)."""
    kind = NotificationKind.VERDICT_PUBLISHED
    recipient = _to_reviewer(verdict=verdict, actor=actor, kind=kind)
    if recipient is None:
        return []
    key = f"{kind.value}:{verdict.pk}"
    return _record([Notification(recipient=recipient, kind=kind, verdict=verdict, dedup_key=key)])


def _waiting_key(verdict_id: int, submitted_at: dt.datetime) -> str:
    # The submission time names the episode: a verdict returned and submitted again waits anew.
    return f"{NotificationKind.WORK_WAITING.value}:{verdict_id}:{submitted_at.isoformat()}"


def notifications_work_waiting(*, now: dt.datetime | None = None) -> int:
    """Mail every editor who wants it about each verdict submitted more than FACTCHECK_NOTIFY_WAITING_HOURS
    ago and still waiting for an editor; returns how many notifications it stored. Run by beat; safe to
    run twice or at once (`notification_one_per_event`)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.FACTCHECK_NOTIFY_WAITING_HOURS)
    waiting = list(
        Verdict.objects.filter(status=VerdictStatus.SUBMITTED, submitted_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", "submitted_at")
    )
    if not waiting:
        return 0
    kind = NotificationKind.WORK_WAITING
    editors = list(_wanting(roles.editors(), kind).values_list("pk", flat=True))
    keys = {
        verdict_id: _waiting_key(verdict_id, submitted_at)
        for verdict_id, submitted_at in waiting
        if submitted_at is not None  # always set on a submitted verdict; the filter above excludes NULL
    }
    with transaction.atomic():
        known = set(
            Notification.objects.filter(dedup_key__in=keys.values(), recipient_id__in=editors).values_list(
                "recipient_id", "dedup_key"
            )
        )
        rows = [
            Notification(
                recipient_id=editor_id, kind=kind, verdict_id=verdict_id, dedup_key=key, created_at=now
            )
            for verdict_id, key in keys.items()
            for editor_id in editors
            if (editor_id, key) not in known
        ]
        if not rows:
            return 0  # every editor already heard of every waiting verdict: the usual run
        # A concurrent check may have stored some meanwhile: the constraint keeps theirs.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            Notification.objects.filter(
                dedup_key__in={row.dedup_key for row in rows},
                created_at=now,
                status=NotificationStatus.PENDING,
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _send_all(ids))
    return len(ids)


# --------------------------------------------------------------------------------------------------
# Sending (a worker, after commit)
# --------------------------------------------------------------------------------------------------


def _send_all(notification_ids: Sequence[int]) -> None:
    for notification_id in notification_ids:
        _send(notification_id)


def _send(notification_id: int) -> bool:
    return task_send(
        task_named(NOTIFICATION_SEND),
        args=[notification_id],
        what=f"Notification {notification_id}",
        repair="the notifications sweep sends it",
        log=logger,
    )


def _lease() -> dt.timedelta:
    # Longer than one send can take (connecting and talking to the mail server, each bounded by
    # EMAIL_TIMEOUT), with a margin: a duplicate task skips a mail in flight; one whose worker died is due
    # again after this.
    return dt.timedelta(seconds=(settings.EMAIL_TIMEOUT or 60) * 3 + 30)


def _take(notification_id: int) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "verdict__claim__article", "verdict__editor")
            .filter(
                pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
            )
            .first()
        )
        if notification is None:
            return None
        notification.attempts += 1
        notification.next_attempt_at = timezone.now() + _lease()
        notification.save(update_fields=["attempts", "next_attempt_at"])
        return notification


def _still_wanted(notification: Notification) -> bool:
    # Opting out stops mails already recorded but not yet sent.
    return _wanting(User.objects.filter(pk=notification.recipient_id), notification.kind).exists()


def _absolute(path: str) -> str:
    return settings.FACTCHECK_SITE_URL.rstrip("/") + path


def _link(notification: Notification) -> str:
    verdict = notification.verdict
    if notification.kind == NotificationKind.VERDICT_RETURNED and verdict.task_id is not None:
        return _absolute(reverse("reviews:task", kwargs={"pk": verdict.task_id}))
    if notification.kind == NotificationKind.VERDICT_PUBLISHED:
        return _absolute(reverse("reviews:verdict-public", kwargs={"pk": verdict.pk}))
    return _absolute(reverse("admin:reviews_verdict_change", args=[verdict.pk]))


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The mail for a notification: plain text and HTML from reviews/templates/reviews/email/, with a
    link to the work, and in the footer the preferences page and a one-click unsubscribe link."""
    unsubscribe = _absolute(
        reverse(
            "reviews:unsubscribe",
            kwargs={"token": unsubscribe_token(user_id=notification.recipient_id, kind=notification.kind)},
        )
    )
    verdict = notification.verdict
    context: dict[str, Any] = {
        "notification": notification,
        "recipient": notification.recipient,
        "verdict": verdict,
        "claim": verdict.claim,
        "article": verdict.claim.article,
        "note": notification.note,
        "link": _link(notification),
        "preferences_url": _absolute(reverse("reviews:notification-preferences")),
        "unsubscribe_url": unsubscribe,
        "kind_label": NotificationKind(notification.kind).label,
        "waiting_hours": settings.FACTCHECK_NOTIFY_WAITING_HOURS,
    }
    name = f"reviews/email/{notification.kind}"
    subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        to=[notification.recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    return message


def _finish(notification_id: int, error: str | None) -> str:
    """Store the outcome of a try under the row's lock: sent, due again later, or failed."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if error is None:
            notification.status = NotificationStatus.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        elif notification.attempts < settings.FACTCHECK_NOTIFY_MAX_ATTEMPTS:
            wait = settings.FACTCHECK_NOTIFY_RETRY_SECONDS * 2 ** (notification.attempts - 1)
            notification.next_attempt_at = timezone.now() + dt.timedelta(seconds=wait)
            notification.last_error = error
        else:
            notification.status = NotificationStatus.FAILED
            notification.last_error = error
        notification.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return notification.status


def notification_send(*, notification_id: int) -> str:
    """Mail one notification if it is pending and due; returns its status afterwards, or "skipped" when
    it was not due, already sent or failed, or taken by another worker. Safe to run twice (see the
    module's docstring). Never holds a transaction open while talking to the mail server."""
    notification = _take(notification_id)
    if notification is None:
        return "skipped"
    if not _still_wanted(notification):
        Notification.objects.filter(pk=notification.pk, status=NotificationStatus.PENDING).update(
            status=NotificationStatus.FAILED, last_error=RECIPIENT_GONE
        )
        return NotificationStatus.FAILED
    error = None
    try:
        notification_message(notification).send()
    except MAIL_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "Notification %s was not mailed (%s); it is tried again later.", notification.pk, error
        )
    return _finish(notification.pk, error)


def notifications_sweep(*, limit: int = SWEEP_LIMIT) -> int:
    """Send every pending notification whose due time has passed (a lost message, a killed worker, a
    retry); returns how many were sent. Duplicates of messages still queued are harmless: the first to
    take a row moves its due time."""
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for notification_id in ids if _send(notification_id))
