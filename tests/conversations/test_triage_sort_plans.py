"""The inbox's longest waiting and nearest due sorts walk their own index (the expression
of ``models.WAITING_SORT_SQL`` / ``DUE_SORT_SQL``), on the first page and on a cursor page,
rather than sorting every conversation of the workspace."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sportello.conversations.filters import InboxFilter
from sportello.conversations.queries import list_conversations

pytestmark = pytest.mark.django_db

INDEX = {"waiting": "conv_waiting_order", "due": "conv_due_order"}


def _plan(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A few test rows: the planner would rather sort them; forbid that to see
            # whether the index can give the order at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("sort", ["waiting", "due"])
@pytest.mark.parametrize("view", ["open", "all", "unassigned"])
def test_the_sort_reads_its_index_in_order(workspace, agent, inbound, sort, view):
    for n in range(3):
        inbound(f"Domanda {n}", sender={"name": f"Cliente {n}", "email": f"c{n}@example.it"})
    f = InboxFilter(view=view, sort=sort)
    first = list_conversations(workspace.pk, agent, f, limit=1)
    assert first.next_cursor
    for cursor in (None, first.next_cursor):
        with CaptureQueriesContext(connection) as queries:
            list_conversations(workspace.pk, agent, f, cursor=cursor, limit=1)
        listing = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
        # Run the statement as sent (its parameters are inlined in the captured text).
        plan = _plan(listing, None)
        assert INDEX[sort] in plan, plan
        assert "TEMP B-TREE" not in plan, plan
