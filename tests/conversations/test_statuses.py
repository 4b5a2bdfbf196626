"""The conversation statuses and their sets are named once, in conversations.models."""

from __future__ import annotations

from sportello.conversations.models import (
    ACTIVE_STATUSES,
    ACTIVE_VIEW_STATUSES,
    DONE_STATUSES,
    Conversation,
)


def test_the_partial_indexes_hold_the_status_sets_the_queries_write():
    """SQLite uses a partial index only for a query whose literal status set is the
    index's (``queries.literal_status_in``): each set the queries write has its index."""
    conditions = [
        dict(index.condition.children)
        for index in Conversation._meta.indexes
        if index.condition is not None
    ]
    # (The SLA scanner's partial index is on its own column, not on a status set.)
    indexed = {frozenset(c["status__in"]) for c in conditions if "status__in" in c}
    assert indexed == {
        frozenset(ACTIVE_STATUSES),
        frozenset(ACTIVE_VIEW_STATUSES),
        frozenset(DONE_STATUSES),
    }
