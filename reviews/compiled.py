"""Statements the ORM compiles once per process: the one place where the hot paths step past the ORM's
per-call compilation (docs/architecture.md, "Statements compiled once").

A queryset is built and compiled by the ORM as usual, with a stand-in value (a *slot*) where a request's
value goes: a user's id, the time. Each call runs that SQL with the slots' values through Django's cursor
(so it is counted and logged like any other statement) and builds model instances as the queryset's own
iteration would: converted rows, `Model.from_db`, `select_related` models, annotations, deferred fields
(or, for a `values_list()` query, its rows). What that does not cover is refused when compiling: a
`prefetch_related`, objects known from a related manager, other result shapes. The ORM still
writes every statement from the models and the querysets, so nothing restates a table, a column or a
state; what is saved is the ORM's building and compiling per call, which on the reviewers' queue cost
more CPU than running the statement.

Use it only where a target is missed without it, with the figure in docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# Stand-ins for a request's values while the ORM compiles: ordinary values (an id in a 32-bit column's
# range, an aware time), since the ORM compiles some values away (an id out of its column's range matches
# nothing, None is IS NULL). Each statement is compiled with two sets of them, which must give the same SQL.
_ID_BASE = 2_000_000_000
_TIME_BASE = dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Slot:
    """A value of the request in a compiled statement: `id` (an integer, such as a primary key), `text`
    (a string compared with a text column) or `time` (an aware datetime compared with a DateTimeField)."""

    kind: str  # "id", "text" or "time"

    def stand_in(self, number: int) -> Any:
        if self.kind == "id":
            return _ID_BASE + number
        if self.kind == "text":
            return f"compiled-slot-{number}"
        return _TIME_BASE + dt.timedelta(seconds=number)

    def adapt(self, value: Any, alias: str) -> Any:
        """`value` as the compiler would have put it among the parameters, or `_NO_ROW` for an id no
        64-bit column can hold (the ORM answers no rows for it, as it does here, without a query)."""
        if self.kind == "time":
            return connections[alias].ops.adapt_datetimefield_value(value)
        if self.kind == "id":
            value = int(value)
            return value if -(2**63) <= value < 2**63 else _NO_ROW
        return str(value)


_NO_ROW = object()


ID = Slot("id")
TEXT = Slot("text")
TIME = Slot("time")


@dataclass(frozen=True)
class Compiled(Generic[M]):
    """One queryset as the ORM compiled it, with where each slot's value goes among its parameters."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, Slot], ...]  # (parameter position, slot name, slot)
    compiler: SQLCompiler
    converters: dict[int, Any]
    locks: bool  # SELECT ... FOR UPDATE where the database has it: then only inside a transaction
    build: Callable[[Sequence[Any]], Iterator[M]] | None  # None for a `values()`/`values_list()` query
    alias: str

    def all(self, **values: Any) -> list[M]:
        """The model instances for these slot values, as the queryset would return them."""
        assert self.build is not None, "a values() query: use rows()"
        return list(self.build(self.rows(**values)))

    def first(self, **values: Any) -> M | None:
        instances = self.all(**values)
        return instances[0] if instances else None

    def rows(self, **values: Any) -> Sequence[Any]:
        """The statement's rows for these slot values, converted: tuples of its columns."""
        connection = connections[self.alias]
        if self.locks and connection.get_autocommit():  # the compiler's own check
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(self.params)
        for position, name, slot in self.slots:
            params[position] = slot.adapt(values[name], self.alias)
            if params[position] is _NO_ROW:
                return []
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Sequence[Any] = cursor.fetchall()
        if self.converters:
            # The compiler passes its own connection (the compiling thread's) to each converter. The
            # converters of the fields these statements read (SQLite's dates, booleans, decimals) use
            # only the settings, never the connection, so rows of any thread convert alike.
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows


def compile_once(
    make: Callable[..., QuerySet[M]], alias: str = DEFAULT_DB_ALIAS, **slots: Slot
) -> Compiled[M]:
    """Compile `make(**stand_ins)`, whose arguments are the slots' stand-ins, and find where each slot's
    value went. Cache the result per process, keyed by the database's vendor and whatever else the
    queryset depends on (such as a setting): it holds nothing of a request."""
    stand_ins = {name: slot.stand_in(number) for number, (name, slot) in enumerate(slots.items())}
    queryset = make(**stand_ins)
    if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
        raise ValueError("a compiled statement cannot prefetch or carry known related objects")
    if queryset._iterable_class not in (ModelIterable, FlatValuesListIterable, ValuesListIterable):
        raise ValueError("a compiled statement returns model instances or values_list() rows only")
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    others = {name: slot.stand_in(number + 100) for number, (name, slot) in enumerate(slots.items())}
    if make(**others).query.get_compiler(using=alias).as_sql()[0] != sql:
        raise ValueError("the statement's SQL depends on the slots' values: it cannot be compiled once")
    adapted = {name: slots[name].adapt(value, alias) for name, value in stand_ins.items()}
    positions = tuple(
        (position, name, slots[name])
        for position, param in enumerate(params)
        for name, value in adapted.items()
        if type(param) is type(value) and param == value
    )
    missing = set(slots) - {name for _position, name, _slot in positions}
    if missing:  # a slot the ORM wrote into the SQL text, or one the queryset never used
        raise ValueError(f"slots {sorted(missing)} are not parameters of the compiled statement")
    return Compiled(
        sql=sql,
        params=tuple(params),
        slots=positions,
        compiler=compiler,
        converters=compiler.get_converters([expression for expression, _sql, _alias in compiler.select]),
        locks=queryset.query.select_for_update and connections[alias].features.has_select_for_update,
        build=_builder(compiler, alias) if queryset._iterable_class is ModelIterable else None,
        alias=alias,
    )


def _builder(compiler: SQLCompiler, alias: str) -> Callable[[Sequence[Any]], Iterator[Any]]:
    """Model instances from converted rows, as `django.db.models.query.ModelIterable` builds them: the
    model's loaded fields (`only()` defers the rest), the `select_related` models, the annotations."""
    klass_info = compiler.klass_info
    assert klass_info is not None
    select = compiler.select
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    model = klass_info["model"]
    names = [column[0].target.attname for column in select[start:end]]
    related = get_related_populators(klass_info, select, alias)
    annotations = tuple(compiler.annotation_col_map.items())

    def build(rows: Sequence[Any]) -> Iterator[Any]:
        for row in rows:
            instance = model.from_db(alias, names, row[start:end])
            for populator in related:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            yield instance

    return build
