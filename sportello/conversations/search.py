"""Full-text search over messages: SQLite FTS5 embedded, PostgreSQL full text at scale.

Both index ``Message.search_text``, the stemmed text of :mod:`sportello.language.stemming`;
the index follows every insert, update and delete incrementally (FTS5 triggers, a GIN
expression index on PostgreSQL), created by migration ``0002_search``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from sportello.conversations.models import Conversation
from sportello.language.stemming import query_terms, stems_for_index

FTS_TABLE = "conversations_message_fts"


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
