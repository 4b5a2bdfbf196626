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


@pytest.mark.parametrize("sort", ["waiting", "due"])
def test_conversations_still_to_act_on_come_before_the_finished_ones(
    workspace, agent, inbound, sort
):
    """Without a clock or a wait, an open or pending conversation still sorts before every
    resolved one, so the "open" view's index walk never reads the finished ones first."""
    from sportello.conversations.models import Conversation, Status

    for n in range(6):
        inbound(f"Domanda {n}", sender={"name": f"Cliente {n}", "email": f"c{n}@example.it"})
    ids = list(Conversation.objects.filter(workspace=workspace).order_by("id"))
    statuses = [Status.RESOLVED, Status.OPEN, Status.CLOSED, Status.PENDING, Status.RESOLVED]
    for conversation, status in zip(ids, statuses, strict=False):
        Conversation.objects.filter(pk=conversation.pk).update(
            status=status, waiting_since=None, first_reply_due_at=None
        )
    # The last one keeps its running clock and its wait: it comes first.
    page = list_conversations(workspace.pk, agent, InboxFilter(view="all", sort=sort), limit=10)
    order = [c.status for c in page.items]
    assert order[0] == Status.OPEN and page.items[0].pk == ids[-1].pk
    assert order[1:3] in ([Status.OPEN, Status.PENDING], [Status.PENDING, Status.OPEN])
    assert set(order[3:]) == {Status.RESOLVED, Status.CLOSED}
