"""Plain SQL for the few writes on the ingest hot path (see docs/adr/0005).

The ORM costs 150-450 µs of Python per statement on a small CPU, more than the database
itself; a message needs about eight statements. These helpers keep that SQL short, portable
(SQLite 3.35+ and PostgreSQL both have ``RETURNING`` and ``ON CONFLICT``) and in the apps'
own actions and queries, which remain the only writers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_PLAIN = (str, int, float, bool, type(None), bytes)

# A statement with its parameters, for ``execute_all`` and ``insert_many(along=...)``.
Statement = tuple[str, Sequence[Any]]


class _Id:
    """A parameter that stands for an id an insert will return (see ``insert_many``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"sql.{self.name}"


# In ``insert_many(then=...)``: the id of the last row inserted.
LAST_ID: Any = _Id("LAST_ID")
# In ``insert_under``'s rows and ``then``: the id of the parent row inserted with them.
PARENT_ID: Any = _Id("PARENT_ID")


@dataclass(frozen=True)
class Joined:
    """Columns of another app's table, read along one app's query and joined on a column
    it names: how a hot read carries another's (the customer's open conversation along the
    identity lookup, one round trip) while each app keeps its own SQL.

    ``columns`` is the select list (``width`` columns); ``join`` a ``LEFT JOIN`` clause with
    ``{key}`` where the outer query's column goes; ``params`` are the join's own."""

    columns: str
    join: str
    params: Sequence[Any]
    width: int

    def on(self, key: str) -> str:
        return self.join.replace("{key}", key)


def adapt(value: Any) -> Any:
    """A Python value as the database driver wants it (aware datetimes, JSON)."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return _adapt_datetime(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


# The datetime adapted last, and what it became. A message writes one ``now`` a dozen
# times (its rows' times, the counters'): each adapting cost ~4 µs, half of it finding the
# connection through ``django.db.connection``'s thread-local. A datetime cannot change, and
# the cache holds it, so no other can take its identity.
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


def _columns(values: dict[str, Any]) -> tuple[str, str, list[Any]]:
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join(["%s"] * len(values))
    return names, marks, _adapt_all(values.values())


def insert(table: str, values: dict[str, Any], *, on_conflict: str = "") -> int | None:
    """Insert one row and return its id; with ``on_conflict`` (the unique columns), a row
    that already exists is left alone and ``None`` is returned."""
    names, marks, params = _columns(values)
    conflict = f" ON CONFLICT ({on_conflict}) DO NOTHING" if on_conflict else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks}){conflict} RETURNING "id"', params
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def insert_reading(
    table: str, values: dict[str, Any], *, on_conflict: str, read: Statement
) -> tuple[int | None, list[tuple[Any, ...]]]:
    """``insert`` (``ON CONFLICT DO NOTHING``: ``None`` for a row that exists) and a read of
    other tables that does not depend on the row, with the read's rows when the row was
    inserted (a caller that finds it exists wants no more).

    On PostgreSQL they are one statement, one round trip: the insert a ``WITH`` clause, the
    read joined to its id. The read then sees the database as the statement began, before
    any wait of the insert for a concurrent insert of the same key, where on its own it
    would begin after; the caller must not mind (ingest reads the sender's customer, and a
    customer created meanwhile is found again when its identities are claimed). On SQLite,
    whose statements cost no round trip, the insert and then, if it inserted, the read."""
    if connection.vendor != "postgresql":
        inserted = insert(table, values, on_conflict=on_conflict)
        return inserted, ([] if inserted is None else fetchall(*read))
    names, marks, params = _columns(values)
    read_sql, read_params = read
    rows = fetchall(
        f'WITH inserted AS (INSERT INTO "{table}" ({names}) VALUES ({marks})'
        f' ON CONFLICT ({on_conflict}) DO NOTHING RETURNING "id")'
        ' SELECT inserted_id."id", read.* FROM (SELECT (SELECT "id" FROM inserted) AS "id")'
        f" AS inserted_id LEFT JOIN (SELECT 1 AS found, * FROM ({read_sql}) AS found_rows)"
        " AS read ON true",
        [*params, *read_params],
    )
    # One row at least, with the id; a read that found nothing leaves NULLs beside it.
    if rows[0][0] is None:
        return None, []
    return int(rows[0][0]), [row[2:] for row in rows if row[1] is not None]


def insert_many(
    table: str,
    rows: Sequence[dict[str, Any]],
    *,
    along: Sequence[Statement] = (),
    then: Sequence[Statement] = (),
    on_conflict: str = "",
) -> list[int]:
    """Insert rows with the same columns in one statement; ids come back in row order.
    With ``on_conflict`` (unique columns), rows that already exist are left alone and only
    the ids of the rows inserted come back.

    ``along``: writes that neither read these rows nor are read by them (a parent's
    counters, say), run with them: on PostgreSQL in the same statement, as data-modifying
    ``WITH`` clauses before the ``INSERT`` (one round trip); on SQLite after it.

    ``then``: writes that need the id of the last row inserted, given as ``LAST_ID`` among
    their parameters (the raw record that notes which message it became): on PostgreSQL in
    the same statement too, reading it from the ``INSERT``'s ``RETURNING``; on SQLite after
    it, with the id filled in. No two of these statements may write the same row: in one
    PostgreSQL statement, only one such write would be kept."""
    if not rows:
        if then:
            raise ValueError("then= needs a row inserted")
        execute_all(along)
        return []
    return _insert_rows(None, table, rows, along, then, on_conflict)[1]


def insert_under(
    parent_table: str,
    parent: dict[str, Any],
    table: str,
    rows: Sequence[dict[str, Any]],
    *,
    along: Sequence[Statement] = (),
    then: Sequence[Statement] = (),
    on_conflict: str = "",
) -> tuple[int, list[int]]:
    """``insert`` of a parent row and ``insert_many`` of rows that point to it (a new
    conversation and its first messages, a new customer and their identities):
    ``PARENT_ID`` among the rows' values and ``then``'s parameters is its id. Returns the
    parent's id and the ids of the rows inserted (with ``on_conflict``, those that did not
    exist). On PostgreSQL one statement, the parent's insert a ``WITH`` clause the rows
    read; on SQLite the parent first, then the rest with its id filled in."""
    if not rows:
        raise ValueError("insert_under needs rows")
    parent_id, ids = _insert_rows((parent_table, parent), table, rows, along, then, on_conflict)
    assert parent_id is not None
    return parent_id, ids


def _insert_rows(
    parent: tuple[str, dict[str, Any]] | None,
    table: str,
    rows: Sequence[dict[str, Any]],
    along: Sequence[Statement],
    then: Sequence[Statement],
    on_conflict: str,
) -> tuple[int | None, list[int]]:
    postgresql = connection.vendor == "postgresql"
    parent_id = None
    if parent is not None and not postgresql:
        parent_id = insert(*parent)
        assert parent_id is not None
        rows = [{k: parent_id if v is PARENT_ID else v for k, v in row.items()} for row in rows]
        then = [_filled(statement, PARENT_ID, parent_id) for statement in then]
    names, marks, _ = _columns(rows[0])
    params = _adapt_all(value for row in rows for value in row.values())
    values = ", ".join([f"({marks})"] * len(rows))
    conflict = f" ON CONFLICT ({on_conflict}) DO NOTHING" if on_conflict else ""
    text = f'INSERT INTO "{table}" ({names}) VALUES {values}{conflict} RETURNING "id"'
    together = postgresql and bool(along or then or parent)
    returned = 1
    if together and (then or parent):
        # The insert becomes a clause the others read: statements in one WITH run on one
        # snapshot, so ``then`` gets the new ids from RETURNING, not by reading the tables.
        clauses: list[tuple[str, str, Sequence[Any]]] = []
        ids_of: dict[Any, str] = {}
        if parent is not None:
            parent_names, parent_marks, parent_params = _columns(parent[1])
            clauses.append(
                (
                    "parent",
                    f'INSERT INTO "{parent[0]}" ({parent_names}) VALUES ({parent_marks})'
                    ' RETURNING "id"',
                    parent_params,
                )
            )
            ids_of[PARENT_ID] = '(SELECT "id" FROM parent)'
        clauses += [(f"s{n}", *statement) for n, statement in enumerate(along)]
        clauses.append(("inserted", *_with_ids((text, params), ids_of)))
        ids_of[LAST_ID] = '(SELECT max("id") FROM inserted)'
        clauses += [(f"t{n}", *_with_ids(s, ids_of)) for n, s in enumerate(then)]
        if parent:
            # A row even when ON CONFLICT skipped every one: the parent's id comes back.
            returning = (
                'SELECT (SELECT "id" FROM parent) AS parent_id, inserted."id"'
                ' FROM (SELECT 1) AS one LEFT JOIN inserted ON true ORDER BY inserted."id"'
            )
        else:
            returning = 'SELECT inserted."id" FROM inserted ORDER BY inserted."id"'
        text, params = _with(clauses, returning, [])
        returned = 2 if parent is not None else 1
    elif together:
        text, params = _after(along, text, params)
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        fetched = cursor.fetchall()
    ids = [int(row[returned - 1]) for row in fetched if row[returned - 1] is not None]
    if returned == 2:
        parent_id = int(fetched[0][0])
    if not together:
        execute_all(along)
        execute_all([_filled(statement, LAST_ID, ids[-1]) for statement in then])
    return parent_id, ids


def _filled(statement: Statement, marker: Any, value: int) -> Statement:
    """``statement`` with ``value`` for each ``marker`` parameter."""
    text, params = statement
    return text, [value if p is marker else p for p in params]


def _with_ids(statement: Statement, ids_of: dict[Any, str]) -> Statement:
    """``statement`` with SQL in place of each ``LAST_ID``/``PARENT_ID`` parameter."""
    text, params = statement
    pieces = text.split("%s")
    if len(pieces) != len(params) + 1:
        raise ValueError(f"{len(params)} parameters for {len(pieces) - 1} placeholders: {text}")
    written, kept = [pieces[0]], []
    for value, piece in zip(params, pieces[1:], strict=True):
        if isinstance(value, _Id):
            written.append(ids_of[value])
        else:
            written.append("%s")
            kept.append(value)
        written.append(piece)
    return "".join(written), kept


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    """Run a statement; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, _adapt_all(params))
        return int(cursor.rowcount)


def execute_all(statements: Sequence[Statement]) -> None:
    """Run ``UPDATE``/``INSERT``/``DELETE`` statements that do not depend on each other, in
    their order: on PostgreSQL as one statement (each but the last a data-modifying
    ``WITH``), one round trip instead of several; on SQLite, whose statements cost no trip,
    one after the other."""
    if not statements:
        return
    if connection.vendor != "postgresql" or len(statements) == 1:
        for text, params in statements:
            execute(text, params)
        return
    *first, (last, last_params) = statements
    execute(*_after(first, last, last_params))


def _after(
    statements: Sequence[Statement], text: str, params: Sequence[Any]
) -> tuple[str, list[Any]]:
    """``text`` preceded by ``statements`` as data-modifying ``WITH`` clauses (PostgreSQL),
    with all their parameters in order."""
    return _with([(f"s{n}", *statement) for n, statement in enumerate(statements)], text, params)


def _with(
    clauses: Sequence[tuple[str, str, Sequence[Any]]], text: str, params: Sequence[Any]
) -> tuple[str, list[Any]]:
    """``text`` preceded by ``WITH`` clauses, each (name, statement, parameters), with all
    their parameters in order."""
    written = ", ".join(f"{name} AS ({sql})" for name, sql, _ in clauses)
    before = _adapt_all(value for _, _, values in clauses for value in values)
    return f"WITH {written} {text}", [*before, *params]


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

    The ingest hot path hands back the rows it wrote; ``Model.__init__`` with keywords costs
    30-45 µs of Python for a message's 20 fields, this ~2 (as ``RowReader`` builds rows).
    Fields not given are deferred: read from the database on first access, as with
    ``only()``. A model with ``pre_init``/``post_init`` receivers goes through ``from_db``."""
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
        """The instance ``Model.from_db`` would give, built by ``instance``: ~2 µs a row
        instead of ~14 (an inbox page builds ~115 instances, a conversation page ~60
        messages); columns left out are deferred. ``db`` is the connection itself, looked up
        once a list: ``django.db.connection`` is a proxy that finds it in a thread-local at
        every attribute."""
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
