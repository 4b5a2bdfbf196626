"""Copying SQLite's write-ahead log into the database file, away from the writers.

In WAL mode every commit appends the pages it changed to the log; a checkpoint copies them
back into the database file and syncs both. Left to SQLite, the checkpoint runs inside the
commit that takes the log past ``wal_autocheckpoint`` pages, so one writer in about a hundred
holds the writer lock (``base.WriterLock``) through the copy and its syncs while every
other writer queues behind it. ``bench/chat.py`` at 1,000 chat sockets: the writer lock was
held 48-52 ms at p99 against 4-5 ms at p50; with this thread, 32-37 ms (docs/performance.md).

:class:`Checkpointer` runs a passive checkpoint every second on a connection of its own. A
passive checkpoint waits for nobody: it copies what no reader still needs and leaves the
rest for the next one. SQLite's own checkpoint stays on, and is needed: the log starts again
from its beginning only when a writer begins right after a checkpoint that copied all of it,
which under steady writes happens after the committing writer's own checkpoint and hardly
ever after this thread's (switched off, the log grew to 450 MB in a minute of the bench).
That one now finds the pages already copied, with only the last second's left to do. One
thread per process that serves or works is enough; two (a web process and a worker) are
harmless: the second finds the first checkpointing and skips its turn.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sportello.core.sqlite.base import in_memory

logger = logging.getLogger(__name__)

EVERY_SECONDS = 1.0


class Checkpointer:
    def __init__(self, path: str, every: float = EVERY_SECONDS) -> None:
        self.path = path
        self.every = every
        self.checkpoints = 0  # passes that ran, for tests and curiosity
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, pages in the log, pages copied). The rows are read to the end, so no
        statement is left holding a read transaction open on the log."""
        busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
        self.checkpoints += 1
        return int(busy), int(logged), int(copied)

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        failures = 0
        try:
            while not self._stopping.wait(self.every):
                try:
                    if connection is None:
                        # Read-write, never create: a database not migrated yet is no
                        # business of this thread.
                        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
                        connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
                    self.checkpoint(connection)
                    failures = 0
                except sqlite3.Error as exc:
                    # The fallback checkpoint still runs in the writers' commits: say so once
                    # a minute rather than each second.
                    if failures % 60 == 0:
                        logger.warning("WAL checkpoint of %s failed: %s", self.path, exc)
                    failures += 1
        finally:
            if connection is not None:
                connection.close()


def start_checkpointer(database: dict[str, Any]) -> Checkpointer | None:
    """A running :class:`Checkpointer` for a database's settings (``settings.DATABASES``
    entry), or ``None`` when it is not a SQLite file (PostgreSQL, an in-memory database)."""
    if database.get("ENGINE") != "sportello.core.sqlite":
        return None
    name = str(database.get("NAME") or "")
    if in_memory(name):
        return None
    return Checkpointer(name).start()
