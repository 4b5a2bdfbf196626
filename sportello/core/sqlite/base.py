"""Django's SQLite backend, with writers of one process queueing on a lock of their own.

Every transaction takes SQLite's write lock up front (``BEGIN IMMEDIATE``). When another
thread holds it, SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries,
so under load a writer often sleeps well past the moment the lock came free. Threads of one
process (the web server's pool, the job workers) now wait on a Python lock instead, handed
over the moment the holder commits; between processes SQLite's own waiting still applies.
The lock is per database file and is released on commit, rollback and close.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _writer_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _writer(self) -> threading.Lock:
        return _writer_lock(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 30))
        if not self._writer().acquire(timeout=timeout):
            raise OperationalError("database is locked (another thread kept writing)")
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
