"""API authentication: DRF's token scheme (`Authorization: Token <key>`), refusing impossible keys early."""

from __future__ import annotations

import functools

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from reviews import roles

_KEY_MAX: int = Token._meta.get_field("key").max_length or 40


@functools.cache
def _users_with_roles() -> QuerySet[User]:
    """Users with their token and roles (`roles.with_roles`), built once per process and never evaluated:
    each lookup filters a copy. Resolving the two role subqueries anew cost every API request about as
    much CPU as compiling the statement (docs/architecture.md, "Querysets built once")."""
    return roles.with_roles(User.objects.select_related("auth_token"))


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `TokenAuthentication` (same header, same query, same errors), with the user's roles read in
    the token's statement (`reviews.roles.with_roles`): every API request asks whether its user is a
    reviewer or an editor, which would otherwise be a query of its own.

    A key longer than any token's, or with a NUL character, is refused without a query: PostgreSQL
    refuses a NUL in a query parameter, which would be a 500 where the server passes such a header on.
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if len(key) > _KEY_MAX or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            user = _users_with_roles().get(auth_token__key=key)
        except User.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token: Token = user.auth_token
        return user, token
