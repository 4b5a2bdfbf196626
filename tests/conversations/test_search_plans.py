"""Search pages are the same whichever way SQLite is made to find them (search.first_matches):
from the index's hits, walking the view, or walking and then falling back to the hits."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sportello.conversations import search
from sportello.conversations.filters import InboxFilter
from sportello.conversations.models import Conversation
from sportello.conversations.queries import list_conversations
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

pytestmark = pytest.mark.django_db

TEXTS = [
    "Il mio ordine non è arrivato",
    "Vorrei annullare l'ordine di ieri",
    "Una zanzara nel pacco, che schifo",
    "Ordine arrivato ma la teiera è rotta",
    "Posso pagare con bonifico?",
    "Ho ricevuto un ordine sbagliato",
    "La fattura dell'ordine non torna",
    "Zanzara di ceramica: la fate anche blu?",
    "Ordine numero 4412: quando arriva?",
    "Grazie, tutto perfetto",
]


@pytest.fixture
def conversations(api_channel) -> list[Conversation]:
    made = []
    for n, text in enumerate(TEXTS):
        result = ingest(
            InboundMessage(
                workspace_id=api_channel.workspace_id,
                channel_id=api_channel.pk,
                sender=Sender(name=f"Cliente {n}", email=f"cliente{n}@example.it"),
                text=text,
                external_id=f"plan-{n}",
            ),
            source="test",
        )
        made.append(Conversation.objects.get(pk=result.conversation_id))
    return made


def _expected(workspace_id: int, query: str) -> list[int]:
    found = search.filter_by_text(
        Conversation.objects.filter(workspace_id=workspace_id), workspace_id, query
    )
    return list(found.order_by("-last_message_at", "-pk").values_list("pk", flat=True))


def _all_pages(workspace_id: int, query: str) -> tuple[list[int], list[str]]:
    seen: list[int] = []
    cursor = None
    with CaptureQueriesContext(connection) as captured:
        for _ in range(20):
            page = list_conversations(
                workspace_id, None, InboxFilter(view="all", q=query), cursor=cursor, limit=2
            )
            seen += [c.pk for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    return seen, [q["sql"] for q in captured.captured_queries]


def _walked(statements: list[str]) -> bool:
    return any("EXISTS (SELECT 1 FROM conversations_message m" in s for s in statements)


@pytest.mark.parametrize("query", ["ordine", "zanzara", "ordine arrivato", "nessuna parola"])
@pytest.mark.parametrize(
    ("few_hits", "dense", "walk", "max_walk", "walks"),
    [
        (5_000, 0, 1_000, 0, False),  # few hits: from the index
        (5_000, 0, 1_000, 1_000, True),  # few hits, but the latest messages hold them: walk
        (1, 0, 1_000, 1_000, True),  # many hits: walk the whole view
        (5_000, 1_000, 1_000, 0, True),  # few hits, but in many of the messages: walk
        (1, 0, 3, 3, True),  # many hits, but the walk is too short: then from the index
    ],
)
@pytest.mark.parametrize("many_hits", [0, 10**9])  # asking the index, or the list of hits
@pytest.mark.parametrize("long_walk", [0, 5])  # a second, longer walk before the index
def test_every_plan_gives_the_same_pages(
    conversations, monkeypatch, query, few_hits, dense, walk, max_walk, walks, many_hits, long_walk
):
    workspace_id = conversations[0].workspace_id
    monkeypatch.setattr(search, "LONG_WALK", long_walk)
    monkeypatch.setattr(search, "PG_LONG_WALK", long_walk)
    monkeypatch.setattr(search, "FEW_HITS", few_hits)
    monkeypatch.setattr(search, "DENSE", dense)
    monkeypatch.setattr(search, "WALK", walk)
    monkeypatch.setattr(search, "MAX_WALK", max_walk)
    monkeypatch.setattr(search, "MANY_HITS", many_hits)
    seen, statements = _all_pages(workspace_id, query)
    assert seen == _expected(workspace_id, query)
    if connection.vendor == "sqlite":
        matched = search._hits(search._fts5_query(search.query_terms(query)), few_hits)[0]
        assert _walked(statements) == (walks and matched > 0)


def test_a_longer_walk_comes_before_the_index(conversations, monkeypatch):
    """GIVEN a frequent word whose first walk is too short for a page, WHEN there is a
    longer walk to try, THEN it walks again, further, and never asks the index's hits."""
    monkeypatch.setattr(search, "FEW_HITS", 1 if connection.vendor == "sqlite" else 0)
    monkeypatch.setattr(search, "WALK", 2)
    monkeypatch.setattr(search, "MAX_WALK", 2)
    monkeypatch.setattr(search, "LONG_WALK", 100)
    monkeypatch.setattr(search, "PG_LONG_WALK", 100)
    workspace_id = conversations[0].workspace_id
    with CaptureQueriesContext(connection) as captured:
        page = list_conversations(workspace_id, None, InboxFilter(view="all", q="ordine"), limit=5)
    statements = [q["sql"] for q in captured.captured_queries]
    assert [c.pk for c in page.items] == _expected(workspace_id, "ordine")[:5]
    assert sum("EXISTS (SELECT 1 FROM conversations_message m" in s for s in statements) == 2
    assert not any("SELECT m.conversation_id FROM" in s for s in statements)


def test_keyset_bounds_are_ranges_of_the_views_index(conversations):
    """A cursor page starts where the index's range starts: with the bound written as an
    OR, SQLite walked the index from the top and filtered (a search walk that found too
    few read every conversation), PostgreSQL dropped the rows before the cursor."""
    workspace_id = conversations[0].workspace_id
    first = list_conversations(workspace_id, None, InboxFilter(view="all"), limit=3)
    executed: list[tuple[str, object]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        list_conversations(workspace_id, None, InboxFilter(view="all"), cursor=first.next_cursor)
    # As run, with bound parameters: with the values written in, SQLite plans differently.
    page_sql, params = next((sql, p) for sql, p in executed if "LIMIT" in sql)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {page_sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "last_message_at<" in plan.replace(" ", ""), plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {page_sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "Index Cond" in plan and "last_message_at, id) <" in plan, plan


def test_the_frequent_plan_is_really_taken(conversations, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner chooses on its own")
    monkeypatch.setattr(search, "FEW_HITS", 2)
    monkeypatch.setattr(search, "DENSE", 0)
    seen, statements = _all_pages(conversations[0].workspace_id, "ordine")
    assert len(seen) == 6
    assert _walked(statements)


@pytest.mark.parametrize("walk", [1_000, 3])
def test_postgres_walks_frequent_words_and_asks_the_index_for_rare_ones(
    conversations, monkeypatch, walk
):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL plans")
    workspace_id = conversations[0].workspace_id
    monkeypatch.setattr(search, "WALK", walk)
    for query in ("ordine", "zanzara", "ordine arrivato", "nessuna parola"):
        monkeypatch.setattr(search, "FEW_HITS", 0)  # everything frequent: walk
        monkeypatch.setattr(search, "MAX_WALK", 10_000)
        seen, statements = _all_pages(workspace_id, query)
        assert seen == _expected(workspace_id, query)
        assert _walked(statements)
        monkeypatch.setattr(search, "FEW_HITS", 10**9)  # everything rare: the index...
        monkeypatch.setattr(search, "MAX_WALK", 0)  # ...however frequent lately
        seen, statements = _all_pages(workspace_id, query)
        assert seen == _expected(workspace_id, query)
        assert not _walked(statements)


def test_postgres_estimates_hits_from_the_index_statistics(conversations, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL plans")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE conversations_message")
    monkeypatch.setitem(search._PG_STATS, "until", 0.0)
    often = search._pg_estimated_hits(search.query_terms("ordine"))
    seldom = search._pg_estimated_hits(search.query_terms("zanzara"))
    both = search._pg_estimated_hits(search.query_terms("ordine zanzara"))
    assert often > seldom > 0
    assert both == seldom  # at most the rarer word's


def test_postgres_walks_a_rare_word_that_the_latest_messages_hold(conversations, monkeypatch):
    """GIVEN a word with few hits overall (so the statistics call it rare) but frequent
    among the latest messages, WHEN a page of it is asked, THEN the view is walked (the
    index's hits would all be fetched and sorted), and the page is the same."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL plans")
    workspace_id = conversations[0].workspace_id
    monkeypatch.setattr(search, "FEW_HITS", 10**9)
    recent, messages, _ = search._pg_recent(search._tsquery(search.query_terms("ordine")))
    assert recent == 6 and messages >= len(TEXTS)
    seen, statements = _all_pages(workspace_id, "ordine")
    assert seen == _expected(workspace_id, "ordine") and _walked(statements)
    seen, statements = _all_pages(workspace_id, "nessuna parola")
    assert seen == [] and not _walked(statements)


def test_postgres_walk_probes_each_conversations_thread(conversations, monkeypatch):
    """The walk reads the view's conversations in order and probes each one's thread: with
    sequential scans allowed, PostgreSQL read every message to hash the few hits it
    expected (at 200k conversations, 0.6 s instead of 24 ms). Small tables make that plan
    the cheap one here too, so the plan as run must refuse it."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL plans")
    monkeypatch.setattr(search, "FEW_HITS", 0)  # everything frequent: walk
    plans: list[str] = []

    def explain(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "EXISTS (SELECT 1 FROM conversations_message m" in sql and not sql.startswith("EX"):
            with connection.cursor() as cursor:  # the search's settings hold here
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append(" ".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    workspace_id = conversations[0].workspace_id
    with connection.execute_wrapper(explain):
        page = list_conversations(workspace_id, None, InboxFilter(view="all", q="ordine"), limit=3)
    assert [c.pk for c in page.items] == _expected(workspace_id, "ordine")[:3]
    assert plans
    for plan in plans:
        assert "Seq Scan on conversations_message" not in plan, plan
        assert "message_thread" in plan, plan
