"""Housekeeping of the conversations' own data."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sportello.conversations.search import optimize_index


@db_periodic_task(crontab(minute="37", hour="3"))
def optimize_search_index() -> None:
    """Nightly: merge the full-text index's segments (see ``search.optimize_index``)."""
    optimize_index()
