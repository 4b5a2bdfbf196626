"""Full-text search over messages: SQLite FTS5 embedded, PostgreSQL full text at scale.

Both index ``Message.search_text``, the stemmed text of :mod:`sportello.language.stemming`;
the index follows every insert, update and delete incrementally (FTS5 triggers, a GIN
expression index on PostgreSQL), created by migration ``0002_search``.

A page of results is the first conversations of the view, in its order, with a matching
message. PostgreSQL's planner chooses how to find them. SQLite's cannot see inside FTS5, so
:func:`first_matches` chooses (measured at 1M conversations / 5M messages):

- a query with fewer than ``FEW_HITS`` matching messages, and fewer than one message in
  ``DENSE``, starts from the index: its hits, their conversations, sorted (~9 µs a hit);
- a more frequent one would cost seconds that way, so it walks the view in order, up to
  ``WALK`` conversations (bounded like a cursor), and keeps those with a matching message:
  - below ``MANY_HITS`` hits, against the list of hits, built once (~0.15 µs a hit);
  - from ``MANY_HITS`` (a word in every fifth message), that list would cost more than
    asking the index about each message walked (20-130 µs each), and a match comes soon;
- when the walk holds too few matches, it starts from the index after all.

In-process, warm, 1M conversations: "ordine" (970k hits) 21-28 ms, "rimborso" (400k)
37-48 ms, "fattura elettronica" (100k) 39-42 ms, "pacco danneggiato" (10k, from the index)
65-260 ms, a word nobody wrote 2 ms.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from sportello.conversations.models import Conversation
from sportello.language.stemming import query_terms, stems_for_index

FTS_TABLE = "conversations_message_fts"
FEW_HITS = 20_000
MANY_HITS = 200_000
DENSE = 50  # a query matching one message in DENSE or more is frequent, whatever its hits
WALK = 1_000


def index_text(subject: str, text: str, language: str) -> str:
    return stems_for_index(f"{subject}\n{text}" if subject else text, language)


def _fts5_query(terms: list[set[str]]) -> str:
    def quoted(stem: str) -> str:
        return '"' + stem.replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(sorted(map(quoted, t))) + ")" for t in terms)


def _tsquery(terms: list[set[str]]) -> str:
    def lexeme(stem: str) -> str:
        return "'" + stem.replace("'", "''").replace("\\", "") + "'"

    return " & ".join("(" + " | ".join(sorted(map(lexeme, t))) + ")" for t in terms)


def matching_conversation_ids(workspace_id: int, query: str) -> RawSQL | None:
    """A subquery of the ids of conversations with a message matching ``query``; ``None``
    when the query has no searchable word."""
    terms = query_terms(query)
    if not terms:
        return None
    if connection.vendor == "postgresql":
        return RawSQL(
            "SELECT m.conversation_id FROM conversations_message m "
            "WHERE m.workspace_id = %s AND to_tsvector('simple', m.search_text) "
            "@@ to_tsquery('simple', %s)",
            (workspace_id, _tsquery(terms)),
        )
    return RawSQL(
        f"SELECT m.conversation_id FROM {FTS_TABLE} f "
        "JOIN conversations_message m ON m.id = f.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND m.workspace_id = %s",
        (_fts5_query(terms), workspace_id),
    )


def filter_by_text(conversations: QuerySet[Conversation], workspace_id: int, query: str):  # type: ignore[no-untyped-def]
    subquery = matching_conversation_ids(workspace_id, query)
    if subquery is None:
        return conversations
    return conversations.filter(id__in=subquery)


def first_matches(
    ordered: QuerySet[Conversation],
    workspace_id: int,
    query: str,
    count: int,
    *,
    sort_field: str = "last_message_at",
    descending: bool = True,
) -> list[Conversation]:
    """The first ``count`` conversations of ``ordered`` (a view, filtered and sorted by
    ``sort_field`` then id) with a message matching ``query``; all of them, in order, when
    the query has no searchable word."""
    terms = query_terms(query)
    if not terms:
        return list(ordered[:count])
    if connection.vendor != "sqlite":
        return list(filter_by_text(ordered, workspace_id, query)[:count])
    match = _fts5_query(terms)
    hits, messages = _hits_up_to(match, max(FEW_HITS, MANY_HITS))
    if hits < FEW_HITS and hits * DENSE < messages:
        return list(filter_by_text(ordered, workspace_id, query)[:count])
    walk = ordered
    last = list(ordered.values_list(sort_field, "pk")[WALK - 1 : WALK])
    if last:
        value, pk = last[0]
        op = "gt" if descending else "lt"
        within = Q(**{f"{sort_field}__{op}": value}) | Q(**{sort_field: value, f"pk__{op}e": pk})
        walk = ordered.filter(within)
    if hits < MANY_HITS:
        matching = f"m.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        messages_sql = "conversations_message m"
    else:
        matching = f"f.rowid = m.id AND {FTS_TABLE} MATCH %s"
        messages_sql = f"conversations_message m JOIN {FTS_TABLE} f ON f.rowid = m.id"
    has_match = RawSQL(
        f"EXISTS (SELECT 1 FROM {messages_sql}"
        f' WHERE m.conversation_id = "conversations_conversation"."id" AND {matching})',
        (match,),
        BooleanField(),
    )
    found = list(walk.filter(Q(has_match))[:count])
    if len(found) == count or not last:
        return found
    return list(filter_by_text(ordered, workspace_id, query)[:count])


def _hits_up_to(match: str, most: int) -> tuple[int, int]:
    """How many messages match, counting no further than ``most``, and about how many
    messages there are (the largest id: ids are not reused), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s LIMIT %s)),"
            " (SELECT MAX(id) FROM conversations_message)",
            [match, most],
        )
        hits, messages = cursor.fetchone()
    return int(hits), int(messages or 0)


def optimize_index() -> None:
    """Merge the FTS5 index's segments into one (SQLite). Every insert adds a small segment
    and FTS5 merges them only gradually; a lookup by message, as the walk above makes, then
    visits each segment. At 5M messages this takes ~5 s and made that lookup 4x faster."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
