"""Full-text search over messages: SQLite FTS5 embedded, PostgreSQL full text at scale.

Both index ``Message.search_text``, the stemmed text of :mod:`sportello.language.stemming`;
the index follows every insert, update and delete incrementally (FTS5 triggers, a GIN
expression index on PostgreSQL), created by migration ``0002_search``.

A page of results is the first conversations of the view, in its order, with a matching
message. Neither planner can be left to choose how to find them (SQLite's cannot see inside
FTS5; PostgreSQL's misjudges full-text conditions badly and then walks every conversation
for a word nobody wrote), so :func:`first_matches` chooses. How many messages match comes
from counting the hits on SQLite and from the index's statistics on PostgreSQL; how many of
the latest ``SAMPLE`` messages match is counted on both (the thresholds were measured at
1M conversations / 5M messages: docs/performance.md):

- a query with fewer than ``FEW_HITS`` matching messages (on SQLite also fewer than one
  message in ``DENSE``) starts from the index: its hits, their conversations, sorted,
  unless the latest messages hold it often enough that
  a walk of at most ``MAX_WALK`` conversations (below) finds a page three times over;
- a more frequent one would cost seconds that way, so it walks the view in order, up to
  ``WALK`` conversations or the length the latest messages suggest (bounded like a
  cursor), and keeps those with a matching message:
  - SQLite: against the list of hits, built once (cheap a hit), unless that list would
    be longer than ``MANY_HITS`` (judged from the latest messages): then it asks the index
    about each message walked (dear each), since with so frequent a word a match comes
    soon;
  - PostgreSQL: each message's stored ``search_vector`` (migration 0007; the GIN index
    cannot answer "this message?");
- when the walk holds too few matches, it starts from the index after all.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from sportello.conversations import keyset
from sportello.conversations.models import Conversation
from sportello.language.stemming import query_terms, stems_for_index

FTS_TABLE = "conversations_message_fts"
FEW_HITS = 20_000
MANY_HITS = 200_000
SAMPLE = 20_000  # the latest messages, to tell how frequent a word is now
DENSE = 50  # a query matching one message in DENSE or more is frequent, whatever its hits
WALK = 1_000
MAX_WALK = 10_000  # against the list of hits
# SQLite, when a walk found too few: one walk this long before asking the index (cheaper
# than the index's hits for a frequent word absent from the latest conversations).
LONG_WALK = 100_000
# PostgreSQL's walk reads each message's vector, its index a row a hit: the longest walk
# that still costs less than a frequent word's hits.
PG_LONG_WALK = 10_000


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
    """A subquery of the ids of conversations with a message matching ``query``, straight
    from the index; ``None`` when the query has no searchable word. Lists go through
    :func:`first_matches`; this is the plain form (and the tests' reference)."""
    terms = query_terms(query)
    if not terms:
        return None
    if connection.vendor == "postgresql":
        return _pg_from_index(workspace_id, _tsquery(terms))
    return _fts5_conversation_ids(workspace_id, _fts5_query(terms))


def _fts5_conversation_ids(workspace_id: int, match: str) -> RawSQL:
    return RawSQL(
        f"SELECT m.conversation_id FROM {FTS_TABLE} f "
        "JOIN conversations_message m ON m.id = f.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND m.workspace_id = %s",
        (match, workspace_id),
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
    plan = _postgres_first_matches if connection.vendor == "postgresql" else _sqlite_first_matches
    return plan(ordered, workspace_id, terms, count, sort_field=sort_field, descending=descending)


def _postgres_first_matches(
    ordered: QuerySet[Conversation],
    workspace_id: int,
    terms: list[set[str]],
    count: int,
    *,
    sort_field: str,
    descending: bool,
) -> list[Conversation]:
    # PostgreSQL's own estimates for full-text conditions are far off on two-word queries,
    # and a wrong guess costs seconds (it walked every conversation for a word nobody
    # wrote): the plan is chosen here, from the index's statistics.
    match = _tsquery(terms)
    from_index = _pg_from_index(workspace_id, match)
    has_match = RawSQL(
        "EXISTS (SELECT 1 FROM conversations_message m"
        ' WHERE m.conversation_id = "conversations_conversation"."id"'
        " AND m.search_vector @@ to_tsquery('simple', %s))",
        (match,),
        BooleanField(),
    )
    with transaction.atomic():  # the scope of SET LOCAL
        # The sample and the walk read rows in an index's order and stop early: with a
        # bitmap the planner would fetch every hit of the GIN index (or every conversation
        # of the walk) first, then sort them; its cost guesses for these bounded scans are
        # high enough to compile them (JIT), which costs more than they run. Without
        # sequential scans too: misjudging a two-word query's hits low, it read every
        # message to hash the few it expected instead of probing each walked
        # conversation's thread (docs/performance.md).
        _setting(
            "SELECT set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('plan_cache_mode', 'force_custom_plan', true),"
            " set_config('max_parallel_workers_per_gather', '0', true)"
        )
        recent, messages, conversations = _pg_recent(match)
        few = _pg_estimated_hits(terms) < FEW_HITS
        walk = _walk_length(
            count,
            few=few,
            recent=recent,
            messages=messages,
            conversations=conversations,
        )
        if not walk:
            _setting("SET LOCAL enable_bitmapscan = on")
            return _first(ordered, ordered.filter(id__in=from_index), count)
        return _walk_then_index(
            ordered,
            has_match,
            from_index,
            count,
            sort_field=sort_field,
            descending=descending,
            walk=walk,
            longer=PG_LONG_WALK if not few else 0,
            before_index="SET LOCAL enable_bitmapscan = on",
        )


def _sqlite_first_matches(
    ordered: QuerySet[Conversation],
    workspace_id: int,
    terms: list[set[str]],
    count: int,
    *,
    sort_field: str,
    descending: bool,
) -> list[Conversation]:
    match = _fts5_query(terms)
    hits, messages, recent, conversations = _hits(match, FEW_HITS)
    hit_ids = _fts5_conversation_ids(workspace_id, match)
    few = hits < FEW_HITS and hits * DENSE < messages
    walk = _walk_length(
        count,
        few=few,
        recent=recent,
        messages=messages,
        conversations=conversations,
    )
    if not walk:
        return _first(ordered, ordered.filter(id__in=hit_ids), count)
    if recent * messages < MANY_HITS * max(1, min(SAMPLE, messages)):
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
    return _walk_then_index(
        ordered,
        has_match,
        hit_ids,
        count,
        sort_field=sort_field,
        descending=descending,
        walk=walk,
        longer=LONG_WALK if not few else 0,
    )


def _walk_length(count: int, *, few: bool, recent: int, messages: int, conversations: int) -> int:
    """How many conversations of the view to walk for a page of ``count``, or 0 to start
    from the index. ``recent`` of the latest ``SAMPLE`` messages match: the walk is made
    long enough to find a page three times over at that rate, within ``MAX_WALK``; a query
    with ``few`` hits whose page would need a longer walk starts from the index, and a
    frequent one walks ``WALK`` (falling back to the index if that finds too few)."""
    sample = max(1, min(SAMPLE, messages))
    density = min(1.0, recent / sample * messages / max(1, conversations))
    needed = 3 * count / density if density else float("inf")
    if needed > MAX_WALK:
        return 0 if few else WALK
    return int(min(max(needed, WALK), MAX_WALK))


def _walk_then_index(
    ordered: QuerySet[Conversation],
    has_match: RawSQL,
    from_index: RawSQL,
    count: int,
    *,
    sort_field: str,
    descending: bool,
    before_index: str = "",
    walk: int = 0,
    longer: int = 0,
) -> list[Conversation]:
    """Walk the view's first ``walk`` conversations (``WALK`` by default) in order, bounded
    like a cursor by the last of them, keeping those ``has_match``; too few, and walk the
    first ``longer`` ones (when longer), then start ``from_index`` instead, after the
    planner setting ``before_index``."""
    sizes = [walk or WALK]
    if longer > sizes[0]:
        sizes.append(longer)
    for size in sizes:
        walked = ordered
        last = list(ordered.values_list(sort_field, "pk")[size - 1 : size])
        if last:
            walked = ordered.filter(keyset.bound(sort_field, descending, *last[0], inclusive=True))
        found = _first(ordered, walked.filter(Q(has_match)), count)
        if len(found) == count or not last:
            return found
    _setting(before_index)
    return _first(ordered, ordered.filter(id__in=from_index), count)


def _first(
    ordered: QuerySet[Conversation], matching: QuerySet[Conversation], count: int
) -> list[Conversation]:
    """The first ``count`` of ``matching`` (``ordered``, filtered), read as ``ordered`` reads
    them: their ids found among the conversations alone, then the rows with what they show.
    With those joins in the walk PostgreSQL hashed every customer first, and a walk
    that sorts cannot stop at its ``count``-th match. (Not a subquery: the conditions
    written in SQL name the outer table.) SQLite joins in the order written: one query."""
    if connection.vendor != "postgresql":
        return list(matching[:count])
    ids = list(matching.values_list("pk", flat=True)[:count])
    return list(ordered.filter(pk__in=ids)) if ids else []


def _setting(statement: str) -> None:
    if statement:
        with connection.cursor() as cursor:
            cursor.execute(statement)


def _pg_from_index(workspace_id: int, match: str) -> RawSQL:
    # OFFSET 0 keeps the hits a subquery of their own (from the GIN index), rather than
    # letting the planner fold them into a walk of the whole view.
    return RawSQL(
        "SELECT m.conversation_id FROM conversations_message m WHERE m.workspace_id = %s"
        " AND m.search_vector @@ to_tsquery('simple', %s) OFFSET 0",
        (workspace_id, match),
    )


_PG_STATS: dict[str, Any] = {"until": 0.0, "freqs": {}, "rows": 0.0}
PG_STATS_SECONDS = 600


def _pg_estimated_hits(terms: list[set[str]]) -> float:
    """How many messages may match, at most, from the index's statistics (ANALYZE keeps,
    for the ~800 most common stems, the share of messages holding each): for each word,
    its stems' shares added; for the query, the smallest of its words'. A stem not in the
    statistics is rarer than the rarest that is."""
    stats = _pg_stats()
    shares = [sum(stats["freqs"].get(stem, 0.0) for stem in group) for group in terms]
    return float(min(shares) * stats["rows"])


def _pg_stats() -> dict[str, Any]:
    now = time.monotonic()
    if _PG_STATS["until"] > now:
        return _PG_STATS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs,"
            " (SELECT reltuples FROM pg_class WHERE relname = 'conversations_message')"
            " FROM pg_stats s WHERE s.tablename = 'conversations_message'"
            " AND s.attname = 'search_vector'"
        )
        row = cursor.fetchone()
    elems, freqs, rows = row if row else (None, None, 0)
    # The shares are in the stems' order, followed by three summary figures (zip drops
    # them). Never analysed: nothing counts as frequent, and the index is asked.
    _PG_STATS.update(freqs=dict(zip(elems or [], freqs or [], strict=False)), rows=rows or 0)
    _PG_STATS["until"] = now + PG_STATS_SECONDS
    return _PG_STATS


def _pg_recent(match: str) -> tuple[int, int, int]:
    """How many of the latest ``SAMPLE`` messages match; about how many messages and
    conversations there are (the largest ids). One query on the primary keys, a few ms."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM conversations_message m WHERE m.id > latest - %s"
            " AND m.search_vector @@ to_tsquery('simple', %s)), latest,"
            " (SELECT COALESCE(MAX(id), 0) FROM conversations_conversation)"
            " FROM (SELECT COALESCE(MAX(id), 0) AS latest FROM conversations_message) newest",
            [SAMPLE, match],
        )
        recent, messages, conversations = cursor.fetchone()
    return int(recent), int(messages), int(conversations)


def _hits(match: str, most: int) -> tuple[int, int, int, int]:
    """How many messages match, counting no further than ``most``; about how many messages
    there are (the largest id: ids are not reused); how many of the latest ``SAMPLE``
    match; about how many conversations there are. One query, a few milliseconds."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s LIMIT %s)), latest,"
            f" (SELECT count(*) FROM {FTS_TABLE}"
            f" WHERE {FTS_TABLE} MATCH %s AND rowid > latest - %s),"
            " (SELECT COALESCE(MAX(id), 0) FROM conversations_conversation)"
            " FROM (SELECT COALESCE(MAX(id), 0) AS latest FROM conversations_message)",
            [match, most, match, SAMPLE],
        )
        hits, messages, recent, conversations = cursor.fetchone()
    return int(hits), int(messages), int(recent), int(conversations)


def optimize_index() -> None:
    """Merge the FTS5 index's segments into one (SQLite). Every insert adds a small segment
    and FTS5 merges them only gradually; a lookup by message, as the walk above makes, then
    visits each segment, several times slower (docs/performance.md)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
