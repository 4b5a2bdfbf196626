"""How often help-center articles are read, counted without a write per page view.

A view adds one to an in-process tally; the tally is written (one UPDATE an article, in
one transaction: ``actions.record_views``) when it holds ``FLUSH_VIEWS`` views or is
``FLUSH_SECONDS`` old, and when the process exits. The report asks only "read at all, and
how much": a crash loses at most a minute of counts, never a page view's speed.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from collections import Counter

from sportello.knowledge import actions

FLUSH_VIEWS = 100
FLUSH_SECONDS = 60.0

_lock = threading.Lock()
_tally: Counter[int] = Counter()
_since = time.monotonic()


def note_view(article_id: int) -> None:
    """Count one reading of an article; now and then the counts are written."""
    global _since
    with _lock:
        _tally[article_id] += 1
        due = sum(_tally.values()) >= FLUSH_VIEWS or time.monotonic() - _since >= FLUSH_SECONDS
    if due:
        flush()


def flush() -> None:
    """Write the counts held so far (nothing when there are none)."""
    global _since
    with _lock:
        counts = dict(_tally)
        _tally.clear()
        _since = time.monotonic()
    if counts:
        try:
            actions.record_views(counts)
        except Exception:
            with _lock:  # the database was unavailable: keep them for the next flush
                _tally.update(counts)
            raise


def pending() -> int:
    with _lock:
        return sum(_tally.values())


@atexit.register
def _flush_at_exit() -> None:
    # The database may be gone at exit: a minute of counts is lost, no more.
    with contextlib.suppress(Exception):
        flush()
