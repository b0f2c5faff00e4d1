"""API authentication: DRF's token scheme (`Authorization: Token <key>`), refusing impossible keys early."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from reviews import roles

_KEY_MAX: int = Token._meta.get_field("key").max_length or 40
# Stands for the caller's key in the statement compiled once (`_token_statement`); no key can be it (NUL).
_KEY_SLOT = "\x00key"


@dataclass(frozen=True)
class _TokenStatement:
    """The token lookup as the ORM compiled it: its SQL and parameters, where the user's fields and the
    annotations are in each row, and the database's converters of those columns (none on PostgreSQL)."""

    sql: str
    params: tuple[Any, ...]
    user_fields: tuple[str, ...]
    user_positions: tuple[int, ...]
    annotations: tuple[tuple[str, int], ...]
    compiler: SQLCompiler
    converters: dict[int, Any]

    def user(self, key: str) -> User | None:
        """The user whose token `key` is, with the annotations set on them; None for no such token. One
        statement, through Django's cursor (counted and logged like any other), as the compiled query's
        own rows would be read: converted, then `User.from_db`."""
        params = [key if param == _KEY_SLOT else param for param in self.params]
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        values = [row[position] for position in self.user_positions]
        user = User.from_db(DEFAULT_DB_ALIAS, self.user_fields, values)
        for name, position in self.annotations:
            setattr(user, name, row[position])
        return user


@functools.cache
def _token_statement(vendor: str) -> _TokenStatement:
    """The token lookup, compiled by the ORM once per process (and database vendor): the user by their
    token's key, with their roles (`roles.with_roles`) and the token's creation time.

    The one speed trick of the consumer's path (docs/architecture.md, "The token statement, compiled
    once"): compiled per request, this statement's permission subqueries cost more CPU than the rest
    of a cached read together; where each field is in its row, and how the database's values are
    converted, is worked out here too, not for every request as a RawQuerySet does. The ORM still writes
    it, from the same querysets, so it follows the models and `roles`. (The converters, SQLite's, read
    the settings only, so the compiler may convert rows of any thread's connection.)
    """
    del vendor  # the key of the cache only: a process that switches databases compiles again
    users = roles.with_roles(User.objects.filter(auth_token__key=_KEY_SLOT))
    query = users.annotate(token_created=F("auth_token__created")).query
    compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    assert compiler.klass_info is not None  # a model's query: the positions of its fields in the row
    positions = tuple(compiler.klass_info["select_fields"])
    return _TokenStatement(
        sql=sql,
        params=tuple(params),
        user_fields=tuple(compiler.select[position][0].target.attname for position in positions),
        user_positions=positions,
        annotations=tuple(compiler.annotation_col_map.items()),
        compiler=compiler,
        converters=compiler.get_converters([expression for expression, _sql, _alias in compiler.select]),
    )


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
        user = _token_statement(connections[DEFAULT_DB_ALIAS].vendor).user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        created = user.token_created  # type: ignore[attr-defined]
        token = Token.from_db(DEFAULT_DB_ALIAS, ["key", "user_id", "created"], [key, user.pk, created])
        token.user = user
        return user, token
