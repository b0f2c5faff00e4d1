"""API authentication: DRF's token scheme (`Authorization: Token <key>`), refusing impossible keys early."""

from __future__ import annotations

import functools

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from reviews import compiled, roles
from reviews.compiled import Compiled, compile_once

_KEY_MAX: int = Token._meta.get_field("key").max_length or 40


@functools.cache
def _token_statement(vendor: str) -> Compiled[User]:
    """The token lookup, compiled by the ORM once per process (and database vendor;
    reviews/compiled.py): the user by their token's key, with their roles (`roles.with_roles`) and the
    token's creation time.

    Compiled per request, this statement's permission subqueries cost more CPU than the rest of a cached
    read together (docs/architecture.md, "Statements compiled once"). The ORM still writes it, from the
    same querysets, so it follows the models and `roles`.
    """
    del vendor  # the key of the cache only: a process that switches databases compiles again

    def make(key: str) -> QuerySet[User]:
        users = roles.with_roles(User.objects.filter(auth_token__key=key))
        return users.annotate(token_created=F("auth_token__created"))

    return compile_once(make, key=compiled.TEXT)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `TokenAuthentication` (same header, same query, same errors), with the user's roles read in
    the token's statement (`reviews.roles.with_roles`): every API request asks whether its user is a
    reviewer or an editor, which would otherwise be a query of its own. The statement is compiled once
    per process (`_token_statement`) and run through Django's cursor like any other.

    A key longer than any token's, or with a NUL character, is refused without a query: PostgreSQL
    refuses a NUL in a query parameter, which would be a 500 where the server passes such a header on.
    """

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if len(key) > _KEY_MAX or "\x00" in key:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = _token_statement(connections[DEFAULT_DB_ALIAS].vendor).first(key=key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created = user.token_created  # type: ignore[attr-defined]
        token = Token.from_db(DEFAULT_DB_ALIAS, ["key", "user_id", "created"], [key, user.pk, created])
        token.user = user
        return user, token
