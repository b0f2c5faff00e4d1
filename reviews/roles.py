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

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from reviews.exceptions import NotAllowed

EDITOR_PERM = "reviews.publish_verdict"
REVIEWER_PERM = "reviews.work_queue"
# The backend that holds the permissions (the other one, django-axes's, only guards logins).
_PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Whether a user holds a role's permission, directly or through a group: the attribute `with_roles`
# annotates and `_holds` reads (and fills, for users loaded without it).
_HELD_ATTRIBUTE = {EDITOR_PERM: "holds_editor_perm", REVIEWER_PERM: "holds_reviewer_perm"}


def _grants(perm: str, user: int | OuterRef) -> QuerySet[Permission]:
    """`perm` if `user` (a user's id, or an OuterRef to one from inside this query's subqueries) is
    granted it directly or by a group: what ModelBackend's `has_perm` decides for an active user who is
    not a superuser, asked of this one permission instead of loading all the user's permissions in two
    queries. Written as `IN` the user's grants, and the grants of the groups `IN` their memberships,
    rather than as joins through the user and their groups: PostgreSQL plans it in a fraction of the
    time, and the token statement is planned on every API request (docs/benchmarks.md, issue 16,
    2026-12-07)."""
    app_label, codename = perm.split(".")
    direct = User.user_permissions.through.objects.filter(Q(user=user)).values("permission")
    # One subquery deeper than `direct`: an outer user is one OuterRef further away.
    member = OuterRef(user) if isinstance(user, OuterRef) else user
    groups = User.groups.through.objects.filter(Q(user=member)).values("group")
    by_group = Group.permissions.through.objects.filter(group__in=groups).values("permission")
    return Permission.objects.filter(
        Q(pk__in=direct) | Q(pk__in=by_group), content_type__app_label=app_label, codename=codename
    )


def with_roles(users: QuerySet[User]) -> QuerySet[User]:
    """`users` with whether each holds each role's permission read in the same statement, so that
    `is_editor` and `is_reviewer` on them need no query (the API's token lookup, whose statement
    reviews.api.authentication compiles once per process)."""
    # The user's grants are a subquery of the EXISTS: OuterRef(OuterRef) reaches the user's row.
    held = {name: Exists(_grants(perm, OuterRef(OuterRef("pk")))) for perm, name in _HELD_ATTRIBUTE.items()}
    return users.annotate(**held)


def _holds(user: Any, perm: str) -> bool:
    """`user.has_perm(perm)` as ModelBackend answers it: active superusers hold every permission, inactive
    users none, anyone else what they or their groups are granted. Remembered on the user object for the
    rest of the request, as ModelBackend remembers the permissions it loads."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    name = _HELD_ATTRIBUTE[perm]
    held = getattr(user, name, None)
    if held is None:
        held = _grants(perm, user.pk).exists()
        setattr(user, name, held)
    return bool(held)


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


def editors() -> QuerySet[User]:
    """Every active user `is_editor` admits (superusers included), by username."""
    return User.objects.with_perm(
        EDITOR_PERM, include_superusers=True, backend=_PERMISSIONS_BACKEND
    ).order_by("username")
