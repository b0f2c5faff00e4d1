"""API authentication: DRF's token scheme (`Authorization: Token <key>`), refusing impossible keys early."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

_KEY_MAX: int = Token._meta.get_field("key").max_length or 40


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `TokenAuthentication` (same header, same query, same errors).

    A key longer than any token's, or with a NUL character, is refused without a query: PostgreSQL
    refuses a NUL in a query parameter, which would be a 500 where the server passes such a header on.
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if len(key) > _KEY_MAX or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user, token = super().authenticate_credentials(key)
        return user, token
