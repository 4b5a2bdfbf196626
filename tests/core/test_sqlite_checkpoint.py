"""The write-ahead log is copied back by a thread of its own (sportello.core.sqlite.checkpoint),
and the log starts again from its beginning rather than growing."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

from sportello.config.parsers import sqlite_database
from sportello.core.sqlite.checkpoint import Checkpointer, start_checkpointer


def writer(path: Path) -> sqlite3.Connection:
    """A writer that leaves checkpoints to others, as under load the thread takes them first."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT)")
    return connection


def write_a_round(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("INSERT INTO note (body) VALUES (?)", [("x" * 500,)] * 40)
    connection.execute("COMMIT")


def test_a_checkpoint_copies_the_log_and_the_log_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connection = writer(path)
    checkpointer = Checkpointer(str(path))
    own = sqlite3.connect(path, isolation_level=None)
    logged_per_round = []
    for _ in range(20):
        write_a_round(connection)
        busy, logged, copied = checkpointer.checkpoint(own)
        assert (busy, copied) == (0, logged)
        logged_per_round.append(logged)
    # Each round's writer starts the log from its beginning, the previous round's pages all
    # copied: the last round's log is no longer than the second's (20 rounds grown: 20x).
    assert logged_per_round[-1] <= logged_per_round[1] < 3 * logged_per_round[0]
    assert checkpointer.checkpoints == 20
    assert connection.execute("SELECT count(*) FROM note").fetchone() == (800,)


def test_the_thread_checkpoints_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connection = writer(path)
    write_a_round(connection)
    checkpointer = Checkpointer(str(path), every=0.02).start()
    try:
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        checkpointer.stop()
    assert checkpointer.checkpoints >= 3
    done = checkpointer.checkpoints
    time.sleep(0.1)
    assert checkpointer.checkpoints == done  # stopped means stopped
    # Everything written is in the database file itself now: a reader that ignores the log
    # (immutable, no -wal read) finds all 40 rows.
    copy = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    assert copy.execute("SELECT count(*) FROM note").fetchone() == (40,)


def test_a_missing_database_is_not_created(tmp_path: Path, caplog) -> None:
    path = tmp_path / "not-migrated.sqlite3"
    checkpointer = Checkpointer(str(path), every=0.02)
    with caplog.at_level(logging.WARNING, logger="sportello.core.sqlite.checkpoint"):
        checkpointer.start()
        time.sleep(0.2)
        checkpointer.stop()
    assert not path.exists()
    assert checkpointer.checkpoints == 0
    assert len(caplog.records) == 1  # once, not once per try
    assert "WAL checkpoint of" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "database",
    [
        {"ENGINE": "django.db.backends.postgresql", "NAME": "sportello"},
        sqlite_database(":memory:"),
        {"ENGINE": "sportello.core.sqlite", "NAME": "file:memdb1?mode=memory&cache=shared"},
    ],
)
def test_only_a_sqlite_file_gets_a_checkpointer(database) -> None:
    assert start_checkpointer(database) is None


def test_a_sqlite_file_gets_one(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer(path).close()
    checkpointer = start_checkpointer(sqlite_database(path))
    assert checkpointer is not None
    checkpointer.stop()
    assert checkpointer.path == str(path)
