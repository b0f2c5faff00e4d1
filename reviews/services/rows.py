"""Lean row reads and writes for the reviewers' queue hot path (next, submit) and the audit log.

Every reviewer request runs a handful of single-row statements. Through `Model.save()` / `create()` /
`bulk_create()` Django builds and compiles a new query for each of them, and that costs more CPU than
PostgreSQL spends running the statement (measured with bench/queue_cpu.py: about 0.3 ms per write, a fifth
of a queue cycle). These helpers write the same rows with a statement built once per model and field list
from the model's own metadata, and convert every value exactly as the ORM does (`pre_save` for `auto_now`
and friends, then `get_db_prep_save`), so they work on PostgreSQL and SQLite alike.

What they skip, on purpose: `save()` overrides and the `pre_save` / `post_save` signals. Use them only for
models with no signal receivers and no `save()` override that matters for the write at hand (ReviewEvent's
only refuses to rewrite a stored row; `row_insert` only inserts). tests/reviews/services/test_rows.py
checks that they store what the ORM stores.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DatabaseError, connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@functools.cache
def _fields_by_attname(model: type[Model]) -> dict[str, Field[Any, Any]]:
    return {field.attname: field for field in model._meta.concrete_fields}


def _converters(model: type[Model], attnames: tuple[str, ...]) -> list[tuple[list[Any], Any]]:
    """Per column: the value converters the ORM applies to it, and the column. Kept on the connection
    wrapper (one per thread), since the database's converters are bound to its connection."""
    cache: dict[tuple[type[Model], tuple[str, ...]], list[tuple[list[Any], Any]]] | None = getattr(
        connection, "_factcheck_row_converters", None
    )
    if cache is None:
        cache = {}
        connection._factcheck_row_converters = cache  # type: ignore[attr-defined]
    plan = cache.get((model, attnames))
    if plan is None:
        fields = _fields_by_attname(model)
        plan = []
        for name in attnames:
            col = fields[name].get_col(model._meta.db_table)
            plan.append(([*connection.ops.get_db_converters(col), *col.get_db_converters(connection)], col))
        cache[(model, attnames)] = plan
    return plan


def row_from_db(model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """`model.from_db` for a row of plain SQL whose columns are `attnames` (in the model's field order, as
    `from_db` takes them; the others are deferred), converted as the ORM converts them (SQLite, for one,
    returns datetimes and UUIDs as text)."""
    names = tuple(attnames)
    converted = []
    for (converters, col), value in zip(_converters(model, names), values, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, list(names), converted)


def attnames_of(model: type[Model]) -> list[str]:
    """Every concrete field's attname, in the model's field order (the order `row_from_db` takes)."""
    return [field.attname for field in model._meta.concrete_fields]


def columns_of(model: type[Model], alias: str = "", attnames: Sequence[str] | None = None) -> str:
    """The SELECT list for these fields (all by default), in the given order, qualified by `alias` when
    given. Quoted the standard SQL way, so it can be built at import time, before any connection."""
    fields = _fields_by_attname(model)
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{fields[name].column}"' for name in attnames or attnames_of(model))


def _select_all_sql(model: type[Model], where: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return f"SELECT {columns_of(model)} FROM {table} WHERE {where}"  # noqa: S608


def row_get(model: type[M], where: str, params: Sequence[Any]) -> M | None:
    """The first row of `model` matching the plain-SQL condition `where` (with %s parameters), every field
    loaded, or None: `Model.objects.raw(...)` without a RawQuerySet's per-call column mapping."""
    with connection.cursor() as cursor:
        cursor.execute(_select_all_sql(model, where), list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    return row_from_db(model, attnames_of(model), row)


def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    auto = model._meta.auto_field
    return [field for field in model._meta.concrete_fields if field is not auto]


@functools.cache
def _insert_sql(model: type[Model], vendor: str, rows: int) -> str:
    """INSERT of `rows` rows, without a RETURNING clause."""
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * rows)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608


def _insert_params(instances: Sequence[Model]) -> tuple[type[Model], list[Any]]:
    model = type(instances[0])
    fields = _insert_fields(model)
    params: list[Any] = []
    for instance in instances:
        if type(instance) is not model or not instance._state.adding:
            raise ValueError("rows_insert takes new, unsaved rows of one model.")
        params.extend(field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields)
    return model, params


def _stored(instances: Sequence[Model], pks: Sequence[Any]) -> None:
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias


def _pk_column(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.pk.column)


def rows_insert(instances: Sequence[M]) -> list[M]:
    """INSERT unsaved instances of one model in one statement and set their primary keys, like
    `bulk_create` (and `save()` for one). Returns the instances."""
    if not instances:
        return []
    model, params = _insert_params(instances)
    sql = _insert_sql(model, connection.vendor, len(instances))
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {_pk_column(model)}", params)
            pks = [row[0] for row in cursor.fetchall()]
        else:  # pragma: no cover - SQLite before 3.35, one row at a time
            pks = []
            for instance in instances:
                cursor.execute(_insert_sql(model, connection.vendor, 1), _insert_params([instance])[1])
                pks.append(cursor.lastrowid)
    _stored(instances, pks)
    return list(instances)


def row_insert(instance: M) -> M:
    """INSERT one unsaved instance and set its primary key, like `save()` for a new row."""
    rows_insert([instance])
    return instance


@functools.cache
def _update_sql(model: type[Model], vendor: str, attnames: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    fields = _fields_by_attname(model)
    assignments = ", ".join(f"{quote(fields[name].column)} = %s" for name in attnames)
    table = quote(model._meta.db_table)
    return f"UPDATE {table} SET {assignments} WHERE {_pk_column(model)} = %s"  # noqa: S608


def _update_params(instance: Model, update_fields: Sequence[str]) -> tuple[str, list[Any]]:
    model = type(instance)
    fields = [model._meta.get_field(name) for name in update_fields]
    attnames = tuple(field.attname for field in fields)  # type: ignore[union-attr]
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection)  # type: ignore[union-attr]
        for field in fields
    ]
    params.append(instance.pk)
    return _update_sql(model, connection.vendor, attnames), params


def _not_updated(instance: Model) -> DatabaseError:
    return DatabaseError(f"{type(instance).__name__} {instance.pk} was not updated: no such row.")


def row_update(instance: Model, update_fields: Sequence[str]) -> None:
    """UPDATE these fields of a stored instance, like `save(update_fields=...)`: field names (a foreign
    key by its name), `auto_now` fields refreshed when listed. Raises DatabaseError when the row is gone,
    as `save(update_fields=...)` does."""
    sql, params = _update_params(instance, update_fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise _not_updated(instance)


# --------------------------------------------------------------------------------------------------
# Several writes in one statement
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    """One write for `rows_write`: on PostgreSQL its statement (`sql` with `RETURNING returning`) becomes
    a data-modifying CTE, and `done` receives what it returned (a list, in ascending order, when `many`;
    None when an UPDATE matched no row). Elsewhere `alone` runs it as a statement of its own."""

    sql: str
    params: list[Any]
    returning: str
    done: Callable[[Any], None]
    alone: Callable[[], object]
    many: bool = False


def insert_write(instances: Sequence[Model]) -> Write:
    """INSERT these unsaved instances of one model (as `rows_insert`); their keys are set when it runs."""
    model, params = _insert_params(instances)
    return Write(
        sql=_insert_sql(model, connection.vendor, len(instances)),
        params=params,
        returning=_pk_column(model),
        done=lambda pks: _stored(instances, pks if isinstance(pks, list) else [pks]),
        alone=lambda: rows_insert(instances),
        many=len(instances) > 1,
    )


def update_write(instance: Model, update_fields: Sequence[str]) -> Write:
    """UPDATE these fields of a stored instance (as `row_update`); DatabaseError if the row is gone."""
    sql, params = _update_params(instance, update_fields)

    def done(pk: Any) -> None:
        if pk is None:
            raise _not_updated(instance)

    return Write(
        sql=sql,
        params=params,
        returning=_pk_column(type(instance)),
        done=done,
        alone=lambda: row_update(instance, update_fields),
    )


def rows_write(writes: Sequence[Write]) -> None:
    """Run writes that do not read each other's rows, in one round trip where the database can: on
    PostgreSQL as the data-modifying CTEs of one statement (foreign keys between them are fine: Django
    creates PostgreSQL's constraints deferred to commit), elsewhere one after another. Each queue
    transition writes the task, its audit event and (sometimes) the article's `changed_at`: one statement
    instead of three saves two round trips per transition on the reviewers' hot path."""
    if connection.vendor != "postgresql" or len(writes) < 2:
        for write in writes:
            write.alone()
        return
    ctes = ", ".join(f"w{i} AS ({write.sql} RETURNING {write.returning})" for i, write in enumerate(writes))
    picks = ", ".join(
        f"(SELECT array_agg({write.returning} ORDER BY {write.returning}) FROM w{i})"  # noqa: S608
        if write.many
        else f"(SELECT {write.returning} FROM w{i})"  # noqa: S608
        for i, write in enumerate(writes)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT {picks}", [p for write in writes for p in write.params])
        values = cursor.fetchone()
    for write, value in zip(writes, values, strict=True):
        write.done(value)
