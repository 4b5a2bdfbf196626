"""Batched bulk writes for the seeder: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

One transaction per batch of rows keeps memory flat and lets a long seed be interrupted
without leaving a half-written conversation behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction

from sportello.conversations.search import FTS_TABLE

FTS_INSERT_TRIGGER = f"{FTS_TABLE}_ai"


class Table:
    """The rows waiting to go into one table.

    Columns the seeder does not name are filled with the model's default, or left NULL, so
    a column added with a default does not break the seeder; one without fails loudly here.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.name = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{self.name} has no column {sorted(unknown)}")
        filled: list[tuple[str, Any]] = []
        for column, model_field in fields.items():
            if column in columns or model_field.primary_key or model_field.null:
                continue
            if not model_field.has_default():
                raise ValueError(f"{self.name}.{column} has no default: the seeder must fill it")
            value = model_field.get_db_prep_save(model_field.get_default(), connection)
            filled.append((column, value))
        self.columns = (*columns, *(column for column, _ in filled))
        self.suffix = tuple(value for _, value in filled)
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.suffix if self.suffix else values)

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.name} ({columns}) VALUES ({marks})", rows)
        return len(rows)


class Batches:
    """Tables written together, one transaction per batch of rows. Foreign keys are checked
    at commit (Django declares them deferrable), so the tables' order within a batch is free.

    On SQLite the FTS5 insert trigger costs a third of the seeding time, one row at a time;
    one ``INSERT ... SELECT`` per batch indexes the same rows ten times faster. The trigger
    is dropped and created again inside the batch's transaction (SQLite's DDL is
    transactional), so no committed state, nor a crash, ever leaves the index behind.
    """

    def __init__(self, tables: Sequence[Table], batch_rows: int, messages: Table) -> None:
        self.tables = tables
        self.batch_rows = batch_rows
        self.messages = messages
        self.fts_trigger = _fts_insert_trigger()

    def pending(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    def maybe_flush(self) -> None:
        if self.pending() >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        rows = self.messages.rows
        # Message ids are allocated in order, so the batch is the range first..last.
        message_ids = (rows[0][0], rows[-1][0]) if rows else None
        with transaction.atomic(), connection.cursor() as cursor:
            if self.fts_trigger and message_ids:
                cursor.execute(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
            for table in self.tables:
                table.flush()
            if self.fts_trigger and message_ids:
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, search_text) SELECT id, search_text "
                    f"FROM {self.messages.name} WHERE id BETWEEN %s AND %s AND search_text != ''",
                    message_ids,
                )
                cursor.execute(self.fts_trigger)


def _fts_insert_trigger() -> str | None:
    """The SQL of the FTS5 insert trigger of migration ``conversations.0002_search``, or
    ``None`` (PostgreSQL, or a schema that changed: then the trigger does the indexing)."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [FTS_INSERT_TRIGGER],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def timestamp_formatter() -> Callable[[float], str]:
    """Seconds since the epoch to the text each backend stores: naive UTC on SQLite (as
    Django writes it), ISO with offset for PostgreSQL's COPY."""
    epoch = datetime(1970, 1, 1)
    if connection.vendor == "postgresql":
        return lambda ts: (epoch + timedelta(seconds=ts)).isoformat(" ") + "+00:00"
    return lambda ts: (epoch + timedelta(seconds=ts)).isoformat(" ", "microseconds")
