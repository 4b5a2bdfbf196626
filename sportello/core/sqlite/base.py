"""Django's SQLite backend, with writers queueing on a lock of their own.

Every transaction takes SQLite's write lock up front (``BEGIN IMMEDIATE``). When another
connection holds it, SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between
tries, so under load a writer often sleeps well past the moment the lock came free: with
two web processes, two workers stored fewer inbound messages a second than one. So a writer
first takes :class:`WriterLock`: threads of one process wait on a Python lock, handed over
the moment the holder commits, and processes on an ``flock`` of a file beside the database,
tried again every 50 µs to 1 ms. The lock is released on commit, rollback and close; a
process that dies releases its ``flock`` with it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_locks: dict[str, WriterLock] = {}
_locks_guard = threading.Lock()
# Waiting for another process: the first retry after 50 µs, then twice as long, up to 1 ms.
FIRST_RETRY = 0.00005
LONGEST_RETRY = 0.001


class WriterLock:
    """One writer at a time on a database file, across the threads of a process and across
    processes. ``path`` is the lock file; ``None`` (an in-memory database) locks threads only.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._fd_pid = 0

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        if self.path is None:
            return True
        try:
            locked = self._flock_until(deadline)
        except BaseException:
            self._threads.release()
            raise
        if not locked:
            self._threads.release()
        return locked

    def _flock_until(self, deadline: float) -> bool:
        fd, wait = self._file(), FIRST_RETRY
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_RETRY)

    def release(self) -> None:
        try:
            if self._fd is not None and self._fd_pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        # A forked child must not share its parent's open file (and so its lock).
        if self._fd is None or self._fd_pid != os.getpid():
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd


def in_memory(database: str) -> bool:
    """Whether a database's ``NAME`` is no file of its own (``:memory:``, a ``file:`` URI)."""
    return database == ":memory:" or database.startswith("file:") or not database


def writer_lock(database: str) -> WriterLock:
    """The lock of a database file (shared by its connections in this process)."""
    with _locks_guard:
        lock = _locks.get(database)
        if lock is None:
            path = None if in_memory(database) else f"{database}-writer"
            lock = _locks[database] = WriterLock(path)
        return lock


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _writer(self) -> WriterLock:
        return writer_lock(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 30))
        if not self._writer().acquire(timeout=timeout):
            raise OperationalError("database is locked (another writer kept it)")
        self._holds_writer_lock = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            self._writer().release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
