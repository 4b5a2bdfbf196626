"""Plain SQL for the few statements that run for every message or page (docs/adr/0005).

Each app writes its own tables' SQL with these helpers, in its own actions and queries,
which remain the only writers; no app hands SQL to another. The SQL is portable (SQLite
3.35+ and PostgreSQL both have ``RETURNING`` and ``ON CONFLICT``). Everything else uses
the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from sportello.core import clock

_PLAIN = (str, int, float, bool, type(None), bytes)


def adapt(value: Any) -> Any:
    """A Python value as the database driver wants it (aware datetimes, JSON)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return _adapt_datetime(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


# The datetime adapted last, and what it became: a message writes one ``now`` many times
# (its rows' times, the counters'), and adapting finds the connection through a
# thread-local each time. A datetime cannot change, and the cache holds it, so no other
# can take its identity.
_last_datetime: tuple[datetime, Any] | None = None


def _adapt_datetime(value: datetime) -> Any:
    global _last_datetime
    last = _last_datetime
    if last is not None and last[0] is value:
        return last[1]
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "sqlite" and value.tzinfo is not None:
        # What Django's SQLite backend stores: naive UTC as text (same as its adapter,
        # without its per-call settings lookups).
        adapted: Any = str(value.astimezone(UTC).replace(tzinfo=None))
    else:
        adapted = db.ops.adapt_datetimefield_value(value)
    _last_datetime = (value, adapted)
    return adapted


def _adapt_all(values: Iterable[Any]) -> list[Any]:
    # Most values are plain; skipping the call for them matters at ~80 values a message.
    return [v if type(v) in _PLAIN else adapt(v) for v in values]


class Table:
    """How an app writes rows of its own model in plain SQL, where the ORM's cost per
    statement matters (docs/adr/0005): every column of the model, with the model's default
    for each one not given, so a new field with a default needs no edit to any insert.

    ``row`` takes values by attribute name (``customer_id``, not ``customer``); fields
    without a default and not nullable must be given, or the database refuses the row.
    ``auto_now``/``auto_now_add`` fields default to the time of the row."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.name = model._meta.db_table
        pk = model._meta.pk
        assert pk is not None
        self._pk = pk.column
        fields = [f for f in model._meta.concrete_fields if f is not pk]
        self.attnames = [f.attname for f in fields]
        self._names = ", ".join(f'"{f.column}"' for f in fields)
        self._marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self._known = frozenset(self.attnames)
        # A default the model makes anew for each row (a dict, the time) is made for each;
        # any other is one value every row shares (None, "", a number).
        self._fixed: dict[str, Any] = {}
        self._made: dict[str, Callable[[], Any]] = {}
        self._stamped: list[str] = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self._stamped.append(f.attname)
            elif f.has_default() and callable(f.default):
                self._made[f.attname] = f.default
            else:
                self._fixed[f.attname] = f.get_default()

    def row(self, **values: Any) -> dict[str, Any]:
        """A whole row: ``values``, and the model's defaults for the other fields."""
        if not self._known.issuperset(values):
            unknown = sorted(set(values) - self._known)
            raise TypeError(f"{self.model.__name__} has no field {unknown}")
        row = dict(self._fixed)
        for name, make in self._made.items():
            if name not in values:
                row[name] = make()
        row.update(values)
        for name in self._stamped:
            if not row.get(name):
                row[name] = clock.now()
        return row

    def insert(self, row: dict[str, Any], *, on_conflict: str = "") -> int | None:
        """Insert a row of ``row``'s making and return its id; with ``on_conflict`` (the
        unique columns), a row that exists already is left alone and ``None`` comes back."""
        ids = self.insert_rows([row], on_conflict=on_conflict)
        return ids[0] if ids else None

    def insert_rows(self, rows: Sequence[dict[str, Any]], *, on_conflict: str = "") -> list[int]:
        """Insert rows (of ``row``'s making) in one statement; their ids in row order. With
        ``on_conflict``, rows that exist already are left alone: only the new rows' ids."""
        if not rows:
            return []
        attnames = self.attnames
        params = _adapt_all(row[name] for row in rows for name in attnames)
        conflict = f" ON CONFLICT ({on_conflict}) DO NOTHING" if on_conflict else ""
        values = ", ".join([self._marks] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{self.name}" ({self._names}) VALUES {values}{conflict}'
                f' RETURNING "{self._pk}"',
                params,
            )
            return sorted(int(found[0]) for found in cursor.fetchall())


@contextmanager
def pipeline() -> Iterator[None]:
    """Statements sent without waiting for each one's answer: psycopg's pipeline mode on
    PostgreSQL, so writes that do not depend on each other (a message's counters, the raw
    record's note) cost one round trip together; nothing on SQLite, whose statements cost
    no round trip. A query that fetches rows waits for everything sent before it; errors
    come at the latest when the block ends. Inside, only statements whose row count nobody
    reads (``execute``, ``Table.insert``, reads), not the ORM's ``save``/``update``."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run a statement; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt_all(params))
        return int(cursor.rowcount)


def fetchone(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt_all(params))
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def fetchall(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt_all(params))
        return [tuple(row) for row in cursor.fetchall()]


def prefetched(instance: Model, related_name: str, objects: list[Any]) -> None:
    """Give ``instance.<related_name>.all()`` these objects without a query, as
    ``prefetch_related`` leaves it (the same cache the ORM's prefetch fills)."""
    queryset = getattr(instance, related_name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[getattr(type(instance), related_name).field.remote_field.cache_name] = queryset


def instance(model: type[Model], values: dict[str, Any]) -> Any:
    """The instance of a row just written, from its columns by attribute name
    (``customer_id``, not ``customer``), as ``Model.from_db`` would give it (not adding).

    The ingest hot path hands back the rows it wrote, without ``Model.__init__``'s work per
    keyword (as ``RowReader`` builds rows; docs/adr/0012). Fields not given are deferred:
    read from the database on first access, as with ``only()``. A model with
    ``pre_init``/``post_init`` receivers goes through ``from_db``."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
        return model.from_db(DEFAULT_DB_ALIAS, names, [values[name] for name in names])
    built = Model.__new__(model)
    state = built.__dict__["_state"] = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS
    built.__dict__.update(values)
    return built


class RowReader:
    """Builds a model instance from its columns in a plain SQL row, as a queryset would.

    For the few reads that run on every request (the API token's agent): one query
    written out, instead of the ORM compiling a three-table ``select_related`` each time.
    ``select`` lists the model's concrete columns under ``alias``; ``build`` applies the
    backend's converters (SQLite hands datetimes back as text) and ``Model.from_db``.
    """

    def __init__(self, model: type[Model], alias: str, *, leave_out: Sequence[str] = ()) -> None:
        self.model = model
        self.alias = alias
        self.fields = [f for f in model._meta.concrete_fields if f.name not in leave_out]
        self.select = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        self._pk_index = next((i for i, field in enumerate(self.fields) if field.primary_key), None)
        self.attnames = [field.attname for field in self.fields]
        self._converters: list[tuple[int, Any, Any]] | None = None

    def __len__(self) -> int:
        return len(self.fields)

    def where(self, condition: str, order_by: str = "") -> str:
        """``SELECT`` this reader's columns ``FROM`` its model's table under its alias."""
        order = f" ORDER BY {order_by}" if order_by else ""
        return (
            f"SELECT {self.select} FROM {self.model._meta.db_table} {self.alias}"
            f" WHERE {condition}{order}"
        )

    @staticmethod
    def build_all(row: Sequence[Any], *readers: RowReader) -> list[Any]:
        """One instance per reader, from a row that lists their columns in that order;
        ``None`` for a reader whose primary key is NULL (a ``LEFT JOIN`` that found none)."""
        db = connections[DEFAULT_DB_ALIAS]
        built, start = [], 0
        for reader in readers:
            values = row[start : start + len(reader)]
            missing = reader._pk_index is not None and values[reader._pk_index] is None
            built.append(None if missing else reader._build(values, db))
            start += len(reader)
        return built

    def build_rows(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """One instance per row of this reader's columns (``fetchall`` of its ``select``)."""
        db = connections[DEFAULT_DB_ALIAS]
        return [self._build(row, db) for row in rows]

    def build(self, values: Sequence[Any]) -> Any:
        return self._build(values, connections[DEFAULT_DB_ALIAS])

    def _build(self, values: Sequence[Any], db: BaseDatabaseWrapper) -> Any:
        """The instance ``Model.from_db`` would give, built by ``instance`` (a conversation
        page builds dozens); columns left out are deferred. ``db`` is the connection itself,
        looked up once a list: ``django.db.connection`` is a proxy that finds it in a
        thread-local at every attribute."""
        if self._converters is None:
            self._converters = self._find_converters()
        converted = list(values)
        for index, convert, column in self._converters:
            converted[index] = convert(converted[index], column, db)
        return instance(self.model, dict(zip(self.attnames, converted, strict=True)))

    def _find_converters(self) -> list[tuple[int, Any, Any]]:
        """(column index, converter, column) for every column the backend converts."""
        found = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.model._meta.db_table)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            ):
                found.append((index, convert, column))
        return found
