"""Who is an editor, and who a reviewer: decided here and nowhere else.

An editor is an active user holding `reviews.publish_verdict` (the Editors group grants it with the rest of
the desk's permissions; superusers hold every permission). Neither `is_staff` (which only opens the admin
site's door) nor a group's name makes anyone an editor. A reviewer is an active user holding
`reviews.work_queue` (the Reviewers group's). Services, selectors, API permissions, the admin, the
published cache and the reviewer pages (and their templates, `user|is_reviewer`) all ask these functions,
so changing who edits is a change to the groups' permissions, never to code.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from reviews.exceptions import NotAllowed

EDITOR_PERM = "reviews.publish_verdict"
REVIEWER_PERM = "reviews.work_queue"
# The backend that holds the permissions (the other one, django-axes's, only guards logins).
_PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Whether a user holds a role's permission, directly or through a group: the attribute `_holds` fills
# for users loaded without `with_roles`.
_HELD_ATTRIBUTE = {EDITOR_PERM: "holds_editor_perm", REVIEWER_PERM: "holds_reviewer_perm"}
# Each role's bit in `held_roles`, the attribute `with_roles` annotates: the sum of the distinct bits of
# the roles' permissions the user holds (distinct powers of two, so the sum says which).
_ROLE_BITS = {EDITOR_PERM: 1, REVIEWER_PERM: 2}
HELD_ROLES = "held_roles"


def _named(perm: str) -> Q:
    app_label, codename = perm.split(".")
    return Q(content_type__app_label=app_label, codename=codename)


def _grants(perms: list[str], user: int | OuterRef) -> QuerySet[Permission]:
    """Those of `perms` that `user` (a user's id, or an OuterRef to one from inside this query's
    subqueries) is granted directly or by a group: what ModelBackend's `has_perm` decides for an active
    user who is not a superuser, asked of these permissions instead of loading all the user's permissions
    in two queries. Written as `IN` the user's grants, and the grants of the groups `IN` their memberships,
    rather than as joins through the user and their groups: PostgreSQL plans it in a fraction of the
    time, and the token statement is planned on every API request (docs/benchmarks.md, issue 16,
    2026-12-07)."""
    direct = User.user_permissions.through.objects.filter(Q(user=user)).values("permission")
    # One subquery deeper than `direct`: an outer user is one OuterRef further away.
    member = OuterRef(user) if isinstance(user, OuterRef) else user
    groups = User.groups.through.objects.filter(Q(user=member)).values("group")
    by_group = Group.permissions.through.objects.filter(group__in=groups).values("permission")
    named = functools.reduce(operator.or_, (_named(perm) for perm in perms))
    return Permission.objects.filter(Q(pk__in=direct) | Q(pk__in=by_group), named)


def with_roles(users: QuerySet[User]) -> QuerySet[User]:
    """`users` with the roles each holds read in the same statement (`held_roles`), so that `is_editor`
    and `is_reviewer` on them need no query (the API's token lookup, whose statement
    reviews.api.authentication compiles once per process). One subquery for both roles, not one `EXISTS`
    each: PostgreSQL plans the token statement on every API request, and plans one subquery in less
    time than two (docs/benchmarks.md, "Issue 16: the consumer's detail on an AMD EPYC host")."""
    bit = Case(*(When(_named(perm), then=Value(b)) for perm, b in _ROLE_BITS.items()), default=Value(0))
    # The user's grants are a subquery of this one: OuterRef(OuterRef) reaches the user's row. Grouped by
    # a constant, which adds no GROUP BY: one row, the sum over all the roles' permissions held.
    held = (
        _grants(list(_ROLE_BITS), OuterRef(OuterRef("pk")))
        .order_by()
        .annotate(everything=Value(1))
        .values("everything")
        .annotate(bits=Sum(bit, distinct=True))
        .values("bits")
    )
    return users.annotate(**{HELD_ROLES: Coalesce(Subquery(held), 0, output_field=IntegerField())})


def _holds(user: Any, perm: str) -> bool:
    """`user.has_perm(perm)` as ModelBackend answers it: active superusers hold every permission, inactive
    users none, anyone else what they or their groups are granted. Remembered on the user object for the
    rest of the request, as ModelBackend remembers the permissions it loads."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    roles = getattr(user, HELD_ROLES, None)
    if roles is not None:
        return bool(roles & _ROLE_BITS[perm])
    name = _HELD_ATTRIBUTE[perm]
    held = getattr(user, name, None)
    if held is None:
        held = _grants([perm], user.pk).exists()
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
