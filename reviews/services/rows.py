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
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@functools.cache
def _fields_by_attname(model: type[Model]) -> dict[str, Field[Any, Any]]:
    return {field.attname: field for field in model._meta.concrete_fields}


def _db() -> BaseDatabaseWrapper:
    """The default connection itself. `django.db.connection` is a proxy that looks the connection up
    again (a thread-local read) on every attribute access, and the field conversions below read it
    dozens of times per row: on the hot path that lookup alone was a tenth of a request's CPU."""
    return connections[DEFAULT_DB_ALIAS]


def cursor() -> CursorWrapper:
    """The connection's cursor for the hot path's plain SQL, kept open and reused by every statement.

    A new cursor per statement (`with connection.cursor()`) cost about 40 µs of a trivial statement's
    120 µs of Python (psycopg builds a cursor's adapters and loaders afresh each time; measured on the
    reviewers' hot path, which runs a dozen statements per cycle). Like `connection.cursor()`, this runs the
    connection's health check and connects first; a new connection, or query logging switched on or off
    (DEBUG, the tests' CaptureQueriesContext), gets a new cursor. Callers fetch what they need before the
    next statement and never close it: it is shared by everything that runs on this connection.
    """
    db = _db()
    db.close_if_health_check_failed()
    db.ensure_connection()
    cached: tuple[object, bool, CursorWrapper] | None = getattr(db, "_factcheck_cursor", None)
    if cached is not None and cached[0] is db.connection and cached[1] == db.queries_logged:
        return cached[2]
    shared = db.cursor()
    db._factcheck_cursor = (db.connection, db.queries_logged, shared)  # type: ignore[attr-defined]
    return shared


def _converters(
    db: BaseDatabaseWrapper, model: type[Model], attnames: tuple[str, ...]
) -> list[tuple[list[Any], Any]]:
    """Per column: the value converters the ORM applies to it, and the column. Kept on the connection
    wrapper (one per thread), since the database's converters are bound to its connection."""
    cache: dict[tuple[type[Model], tuple[str, ...]], list[tuple[list[Any], Any]]] | None = getattr(
        db, "_factcheck_row_converters", None
    )
    if cache is None:
        cache = {}
        db._factcheck_row_converters = cache  # type: ignore[attr-defined]
    plan = cache.get((model, attnames))
    if plan is None:
        fields = _fields_by_attname(model)
        plan = []
        for name in attnames:
            col = fields[name].get_col(model._meta.db_table)
            plan.append(([*db.ops.get_db_converters(col), *col.get_db_converters(db)], col))
        cache[(model, attnames)] = plan
    return plan


def row_from_db(model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """`model.from_db` for a row of plain SQL whose columns are `attnames` (in the model's field order, as
    `from_db` takes them; the others are deferred), converted as the ORM converts them (SQLite, for one,
    returns datetimes and UUIDs as text)."""
    db = _db()
    names = tuple(attnames)
    converted = []
    for (converters, col), value in zip(_converters(db, model, names), values, strict=True):
        for convert in converters:
            value = convert(value, col, db)
        converted.append(value)
    return model.from_db(db.alias, list(names), converted)


def attnames_of(model: type[Model]) -> list[str]:
    """Every concrete field's attname, in the model's field order (the order `row_from_db` takes)."""
    return [field.attname for field in model._meta.concrete_fields]


def columns_of(model: type[Model], alias: str = "", attnames: Sequence[str] | None = None) -> str:
    """The SELECT list for these fields (all by default), in the given order, qualified by `alias` when
    given. Quoted the standard SQL way, so it can be built at import time, before any connection."""
    fields = _fields_by_attname(model)
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{fields[name].column}"' for name in attnames or attnames_of(model))


@functools.cache
def _select_all_sql(model: type[Model], where: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return f"SELECT {columns_of(model)} FROM {table} WHERE {where}"  # noqa: S608


def row_get(model: type[M], where: str, params: Sequence[Any]) -> M | None:
    """The first row of `model` matching the plain-SQL condition `where` (with %s parameters), every field
    loaded, or None: `Model.objects.raw(...)` without a RawQuerySet's per-call column mapping."""
    shared = cursor()
    shared.execute(_select_all_sql(model, where), list(params))
    row = shared.fetchone()
    if row is None:
        return None
    return row_from_db(model, attnames_of(model), row)


@functools.cache
def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    auto = model._meta.auto_field
    return [field for field in model._meta.concrete_fields if field is not auto]


@functools.cache
def _foreign_keys(model: type[Model]) -> list[Field[Any, Any]]:
    return [field for field in _insert_fields(model) if field.many_to_one]


# SQL that reads the new key of a row inserted earlier in the same statement, by the Python id of its
# unsaved instance (see `rows_write`).
Refs = dict[int, str]


@functools.cache
def _insert_sql(model: type[Model], vendor: str, rows: int, refs: tuple[str | None, ...] = ()) -> str:
    """INSERT of `rows` rows, without a RETURNING clause. `refs`, when given, holds per value (row after
    row) the SQL to write instead of a parameter, or None for a parameter."""
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    if refs:
        width = len(fields)
        values = ", ".join(
            "(" + ", ".join(ref or "%s" for ref in refs[row * width : (row + 1) * width]) + ")"
            for row in range(rows)
        )
    else:
        values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * rows)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608


def _pending_refs(instance: Model, refs: Refs) -> dict[str, str]:
    """Per foreign key of `instance` that points to an unsaved instance listed in `refs`: that SQL."""
    pending = {}
    for field in _foreign_keys(type(instance)):
        related = field.get_cached_value(instance, None)  # type: ignore[attr-defined]
        if related is not None and related.pk is None and id(related) in refs:
            pending[field.attname] = refs[id(related)]
    return pending


def _link_related(instance: Model, skip: Container[str] = ()) -> None:
    """Copy the keys of related rows stored since they were assigned (`verdict=` an unsaved verdict that
    was stored since) into their foreign key columns, as `save()` does, except the columns in `skip`.
    Refuses a related row that is still unsaved, as `save()` does, instead of storing NULL."""
    for field in _foreign_keys(type(instance)):
        related = field.get_cached_value(instance, None)  # type: ignore[attr-defined]
        if related is None or field.attname in skip:
            continue
        if related.pk is None:
            raise ValueError(f"{type(instance).__name__}.{field.name}: the related row is not stored yet.")
        if getattr(instance, field.attname) != related.pk:
            setattr(instance, field.attname, related.pk)


def _insert_statement(instances: Sequence[Model], refs: Refs | None = None) -> tuple[str, list[Any]]:
    """The INSERT of these new rows of one model, and its parameters. A foreign key to an unsaved
    instance listed in `refs` reads that row's new key in the statement; the others are linked first."""
    db = _db()
    model = type(instances[0])
    fields = _insert_fields(model)
    params: list[Any] = []
    shape: list[str | None] = []
    for instance in instances:
        if type(instance) is not model or not instance._state.adding:
            raise ValueError("rows_insert takes new, unsaved rows of one model.")
        pending = _pending_refs(instance, refs) if refs else {}
        _link_related(instance, skip=pending)
        for field in fields:
            ref = pending.get(field.attname)
            shape.append(ref)
            if ref is None:
                params.append(field.get_db_prep_save(field.pre_save(instance, True), db))
    refs_shape = tuple(shape) if any(ref is not None for ref in shape) else ()
    return _insert_sql(model, db.vendor, len(instances), refs_shape), params


def _stored(instances: Sequence[Model], pks: Sequence[Any]) -> None:
    db = _db()
    for instance, pk in zip(instances, pks, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = db.alias


@functools.cache
def _pk_column(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.pk.column)


def rows_insert(instances: Sequence[M]) -> list[M]:
    """INSERT unsaved instances of one model in one statement and set their primary keys, like
    `bulk_create` (and `save()` for one). Returns the instances."""
    if not instances:
        return []
    db = _db()
    model = type(instances[0])
    sql, params = _insert_statement(instances)
    shared = cursor()
    if db.features.can_return_columns_from_insert:
        shared.execute(f"{sql} RETURNING {_pk_column(model)}", params)
        pks = [row[0] for row in shared.fetchall()]
    else:  # pragma: no cover - SQLite before 3.35, one row at a time
        pks = []
        for instance in instances:
            one_sql, one_params = _insert_statement([instance])
            shared.execute(one_sql, one_params)
            pks.append(shared.lastrowid)
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
    db = _db()
    model = type(instance)
    fields = [model._meta.get_field(name) for name in update_fields]
    attnames = tuple(field.attname for field in fields)  # type: ignore[union-attr]
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), db)  # type: ignore[union-attr]
        for field in fields
    ]
    params.append(instance.pk)
    return _update_sql(model, db.vendor, attnames), params


def _not_updated(instance: Model) -> DatabaseError:
    return DatabaseError(f"{type(instance).__name__} {instance.pk} was not updated: no such row.")


def row_update(instance: Model, update_fields: Sequence[str]) -> None:
    """UPDATE these fields of a stored instance, like `save(update_fields=...)`: field names (a foreign
    key by its name), `auto_now` fields refreshed when listed. Raises DatabaseError when the row is gone,
    as `save(update_fields=...)` does."""
    sql, params = _update_params(instance, update_fields)
    shared = cursor()
    shared.execute(sql, params)
    if shared.rowcount != 1:
        raise _not_updated(instance)


# --------------------------------------------------------------------------------------------------
# Several writes in one statement
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    """One write for `rows_write`.

    On PostgreSQL, `build(refs)` gives its statement and parameters, which become a data-modifying CTE
    with `RETURNING returning`, and `done` receives what that returned (a list, in ascending order, when
    `many`; None when an UPDATE matched no row). `inserted` are the new rows it stores: a later write in
    the same statement whose foreign key points to one of them (one-row inserts only) reads its new key
    there (`refs`). Elsewhere `alone` runs it as a statement of its own, in order."""

    build: Callable[[Refs], tuple[str, list[Any]]]
    returning: str
    done: Callable[[Any], None]
    alone: Callable[[], object]
    many: bool = False
    inserted: Sequence[Model] = ()


def insert_write(instances: Sequence[Model]) -> Write:
    """INSERT these unsaved instances of one model (as `rows_insert`); their keys are set when it runs.
    Their foreign keys may point to rows an earlier write of the same `rows_write` inserts."""
    return Write(
        build=lambda refs: _insert_statement(instances, refs),
        returning=_pk_column(type(instances[0])),
        done=lambda pks: _stored(instances, pks if isinstance(pks, list) else [pks]),
        alone=lambda: rows_insert(instances),
        many=len(instances) > 1,
        inserted=instances,
    )


def update_write(instance: Model, update_fields: Sequence[str]) -> Write:
    """UPDATE these fields of a stored instance (as `row_update`); DatabaseError if the row is gone."""
    statement = _update_params(instance, update_fields)

    def done(pk: Any) -> None:
        if pk is None:
            raise _not_updated(instance)

    return Write(
        build=lambda refs: statement,
        returning=_pk_column(type(instance)),
        done=done,
        alone=lambda: row_update(instance, update_fields),
    )


def rows_write(writes: Sequence[Write]) -> None:
    """Run writes in one round trip where the database can: on PostgreSQL as the data-modifying CTEs of
    one statement, elsewhere one after another.

    The writes must not read each other's rows, with one exception: a new row may point to a row inserted
    by an earlier write (a verdict's citations and audit event to the new verdict), and then reads its key
    from that write's RETURNING. Foreign keys between them are fine: Django creates PostgreSQL's
    constraints deferred to commit. A submitted verdict is one statement instead of four (verdict,
    citations, the task's move with its audit event and the article's mark), which saves three round
    trips per submission on the reviewers' hot path."""
    if _db().vendor != "postgresql" or len(writes) < 2:
        for write in writes:
            write.alone()
        return
    refs: Refs = {}
    ctes: list[str] = []
    params: list[Any] = []
    for i, write in enumerate(writes):
        sql, write_params = write.build(refs)
        ctes.append(f"w{i} AS ({sql} RETURNING {write.returning})")
        params.extend(write_params)
        if len(write.inserted) == 1:
            refs[id(write.inserted[0])] = f"(SELECT {write.returning} FROM w{i})"  # noqa: S608
    picks = ", ".join(
        f"(SELECT array_agg({write.returning} ORDER BY {write.returning}) FROM w{i})"  # noqa: S608
        if write.many
        else f"(SELECT {write.returning} FROM w{i})"  # noqa: S608
        for i, write in enumerate(writes)
    )
    shared = cursor()
    shared.execute(f"WITH {', '.join(ctes)} SELECT {picks}", params)
    values = shared.fetchone()
    for write, value in zip(writes, values, strict=True):
        write.done(value)
    for write in writes:
        for instance in write.inserted:
            _link_related(instance)
