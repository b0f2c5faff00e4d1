"""Who is an editor, and who a reviewer: decided here and nowhere else.

An editor is an active user holding `reviews.publish_verdict` (the Editors group grants it with the rest of
the desk's permissions; superusers hold every permission). Neither `is_staff` (which only opens the admin
site's door) nor a group's name makes anyone an editor. A reviewer is an active user holding
`reviews.work_queue` (the Reviewers group's). Services, selectors, API permissions, the admin and the
published cache all ask these functions, so changing who edits is a change to the groups' permissions,
never to code.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from reviews.exceptions import NotAllowed

EDITOR_PERM = "reviews.publish_verdict"
REVIEWER_PERM = "reviews.work_queue"
# The backend that holds the permissions (the other one, django-axes's, only guards logins).
_PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _holds(user: Any, perm: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and user.has_perm(perm)
    )


def is_editor(user: Any) -> bool:
    """Whether `user` (a User, an AnonymousUser or None) is an editor."""
    return _holds(user, EDITOR_PERM)


def is_reviewer(user: Any) -> bool:
    """Whether `user` may take work from the reviewers' queue."""
    return _holds(user, REVIEWER_PERM)


def require_editor(user: Any, verb: str) -> User:
    """The acting user if an editor; else `NotAllowed("Only editors can <verb>.")`. Interfaces check too;
    the services call this as defence in depth for every caller."""
    if not isinstance(user, User) or not is_editor(user):
        raise NotAllowed(f"Only editors can {verb}.")
    return user


def reviewers() -> QuerySet[User]:
    """Every active user `is_reviewer` admits, by username (the assign form's choices)."""
    return User.objects.with_perm(
        REVIEWER_PERM, include_superusers=False, backend=_PERMISSIONS_BACKEND
    ).order_by("username")
