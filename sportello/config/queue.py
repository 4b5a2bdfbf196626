"""The job queue on SQLite (no Redis configured): Huey's SqliteHuey, committing as the
database does.

Huey's SQLite storage leaves ``synchronous`` at SQLite's default, FULL, which syncs the
write-ahead log to disk on every commit: each queued job waited for an fsync, under the
storage's one lock, so every thread queueing a job waited for the others' fsyncs too. A
visitor's first chat message queues one (the duplicate suggestions of a new customer),
and under load that wait was 0.7 to 4 ms of the message's acknowledgement
(docs/performance.md). ``NORMAL`` in WAL mode is what ``sportello.sqlite3`` uses
(``config/parsers.py``): a commit survives the process crashing; only a power cut can take
back the last commits, of the queue as of the database itself (docs/adr/0004).
"""

from __future__ import annotations

import sqlite3

from huey import SqliteHuey
from huey.storage import SqliteStorage


class SqliteQueueStorage(SqliteStorage):  # type: ignore[misc]
    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


class SqliteQueue(SqliteHuey):  # type: ignore[misc]
    storage_class = SqliteQueueStorage
