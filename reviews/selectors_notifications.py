"""Reads for the notification preferences page and the unsubscribe link: which kinds of mail a user can
get, what they chose, and whom an unsubscribe token names. Changing preferences, unsubscribing and
mailing are reviews.services.notifications, which signs the tokens read here (`UNSUBSCRIBE_SALT`).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core import signing

from reviews import roles
from reviews.exceptions import NotFound
from reviews.models import NotificationKind, NotificationPreference

UNSUBSCRIBE_SALT = "reviews.notifications.unsubscribe"
UNSUBSCRIBE_INVALID = "This unsubscribe link is not valid. Change what you receive on your preferences page."


def notification_kinds_for(*, user: User) -> list[NotificationKind]:
    """The kinds a user can receive: editors hear about waiting work, reviewers about their verdicts."""
    kinds = []
    if roles.is_reviewer(user):
        kinds += [NotificationKind.VERDICT_RETURNED, NotificationKind.VERDICT_PUBLISHED]
    if roles.is_editor(user):
        kinds.append(NotificationKind.WORK_WAITING)
    return kinds


def notification_preferences_of(*, user: User) -> NotificationPreference:
    """The user's preferences; unsaved defaults (every kind wanted) when they never changed them."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found if found is not None else NotificationPreference(user=user)


def unsubscribe_target(*, token: str) -> tuple[User, str]:
    """The user and kind a token names; `NotFound(UNSUBSCRIBE_INVALID)` for a forged, damaged or stale
    one (its user gone)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise NotFound(UNSUBSCRIBE_INVALID) from exc
    user_id = data.get("u") if isinstance(data, dict) else None
    kind = data.get("k") if isinstance(data, dict) else None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None or kind not in NotificationKind.values:
        raise NotFound(UNSUBSCRIBE_INVALID)
    return user, kind
