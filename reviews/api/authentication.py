"""API authentication: DRF's token scheme (`Authorization: Token <key>`), in one query per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from reviews.services.rows import attnames_of, columns_of, cursor

_USER_FIELDS = attnames_of(User)
_TOKEN_FIELDS = attnames_of(Token)
_KEY_MAX: int = Token._meta.get_field("key").max_length or 40


def _perm_names(join: str, where: str) -> str:
    """An ARRAY(...) of "app_label.codename" strings, as ModelBackend spells permissions."""
    return (
        f"ARRAY(SELECT ct.app_label || '.' || p.codename FROM {Permission._meta.db_table} p"  # noqa: S608
        f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id {join} WHERE {where})"
    )


# The token, its user, and the user's permissions (own and through groups) in one statement. Stock
# TokenAuthentication loads the token and user, and the first `has_perm` of the request (every API
# permission check) then costs ModelBackend two more queries; on the reviewers' queue hot path those three
# queries and their ORM compilation were a fifth of a request's CPU. Plain SQL: built once, never compiled.
_QUERY = (
    "SELECT "  # noqa: S608 (names from the models' metadata; the key is a parameter)
    + columns_of(Token, "t")
    + ", "
    + columns_of(User, "u")
    + ", "
    + _perm_names(
        f"JOIN {User.user_permissions.through._meta.db_table} up ON up.permission_id = p.id",
        "up.user_id = u.id",
    )
    + ", "
    + _perm_names(
        f"JOIN {Group.permissions.through._meta.db_table} gp ON gp.permission_id = p.id"
        f" JOIN {User.groups.through._meta.db_table} ug ON ug.group_id = gp.group_id",
        "ug.user_id = u.id",
    )
    + f" FROM {Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.key = %s"
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `TokenAuthentication` (same header, same errors), loading the token, its user and the user's
    permissions in one query (on PostgreSQL).

    The permissions fill the caches Django's ModelBackend keeps on the user object for the length of the
    request (`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`), with exactly the sets it would load
    itself, so every `user.has_perm(...)` of the request (API permission classes, services) answers
    without a query and as before. Superusers are left to ModelBackend (it grants them every permission).
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if len(key) > _KEY_MAX or "\x00" in key:
            # No token has such a key, and PostgreSQL refuses a NUL in a query parameter (a 500 where
            # gunicorn does not already refuse the header): answered without a query.
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if connection.vendor != "postgresql":
            # ARRAY(SELECT ...) and the column types are PostgreSQL's; elsewhere (the SQLite demo) DRF's
            # own query, and ModelBackend loads the permissions on the first has_perm as it always did.
            user, token = super().authenticate_credentials(key)
            return user, token
        shared = cursor()  # the hot path's reused cursor (reviews/services/rows.py)
        shared.execute(_QUERY, [key])
        row = shared.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token_values = row[: len(_TOKEN_FIELDS)]
        user_values = row[len(_TOKEN_FIELDS) : len(_TOKEN_FIELDS) + len(_USER_FIELDS)]
        user_perms, group_perms = row[-2:]
        user = User.from_db(connection.alias, _USER_FIELDS, user_values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(connection.alias, _TOKEN_FIELDS, token_values)
        token.user = user
        if not user.is_superuser:
            cache: Any = user
            cache._user_perm_cache = set(user_perms)
            cache._group_perm_cache = set(group_perms)
            cache._perm_cache = cache._user_perm_cache | cache._group_perm_cache
        return user, token


_KEYWORD = TokenAuthentication.keyword.lower()


def token_key(header: str) -> str | None:
    """The key an `Authorization` header value offers under DRF's token scheme (`Token <key>`, the keyword
    compared case-insensitively, as DRF compares it): "" when the keyword comes without a key, None for any
    other scheme. Whether the key is valid is for `TokenAuthentication` to say."""
    scheme, _, key = header.strip().partition(" ")
    return key.strip() if scheme.lower() == _KEYWORD else None
