"""Hybrid search over the knowledge base: full text and meaning, fused by rank.

- **Full text** finds the articles that share the question's words, by stem (ADR 0001):
  SQLite FTS5 over ``search_title``/``search_body`` ranked by bm25 with a title match worth
  ``TITLE_WEIGHT`` body matches; PostgreSQL the stored ``search_vector`` (title at weight A)
  ranked by ``ts_rank``. A question's content words are ORed (its function words dropped:
  ``language.stopwords``): a customer's question shares a few words with its answer,
  rarely all of them, and bm25's idf weighs the rare ones.
- **Meaning** finds the articles whose text is closest to the question's sentence vector
  (:mod:`sportello.language.embeddings`; an article's best row, :mod:`.passages`), across
  languages: an English question finds an Italian article. Every article is ranked; the
  cosine is returned with each hit for callers that need a confidence (the bot).
- **Fusion** is reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): an article
  scores ``Σ 1 / (RRF_K + rank)`` over the two rankings, ``RRF_K = 60`` as in the paper.
  It needs no calibration between bm25's unbounded scores and cosines, and no weight fitted
  to one knowledge base: on the development set, weights from 1:1 to 4:1 and a convex
  sum of scores all landed within two questions of each other (docs/performance.md).
- **Re-ranking** orders the fused ``RERANK_DEPTH`` first again by one score per article,
  ``cosine + COVERAGE_WEIGHT × coverage``: the question's best passage cosine, plus the
  share of the question's content words the article holds, by stem in the question's
  language or by customer-care concept in any (:func:`coverage`, :func:`_rerank`). Rank
  fusion keeps only the order of each ranking, so an article first by a hair in meaning
  and third in words can lose to one that is second in both; the two values themselves
  tell which is nearer. On four businesses' FAQ sets the re-ranked first hit is right for
  0.90-0.96 of the questions (docs/performance.md, "Bot, fifth pass").
  ``COVERAGE_WEIGHT`` is the weight each set chose when left out of the four (0.3; 0.35
  for one): one content word in three weighs about 0.1 of cosine, the spread between the
  first candidates' cosines.

The articles' vectors, stems and concepts are read once per process and workspace, kept
while the articles' stamp (count, latest change, sum of embedded versions: one aggregate
query) is unchanged.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Max, QuerySet, Sum

from sportello.knowledge.models import Article, Status
from sportello.knowledge.passages import FIRST_PASSAGE_ROW
from sportello.language.detection import detect_language
from sportello.language.embeddings import embed, from_bytes
from sportello.language.stemming import query_terms
from sportello.language.synonyms import concepts_of_stems, concepts_of_term

FTS_TABLE = "knowledge_article_fts"
TITLE_WEIGHT = 3.0
DEPTH = 50  # of each ranking
RRF_K = 60
SNIPPET_CHARS = 240
QUERY_WORDS = 24
RERANK_DEPTH = 10
COVERAGE_WEIGHT = 0.3
TYPO_MIN_CHARS = 6
# Two articles whose sentence vectors are this close are about the same topic: on the
# development sets' articles, neighbours on one topic (shipping times / islands, returns /
# refunds) lie at 0.45-0.75, unrelated ones (shipping / opening hours) under 0.35.
RELATED_SIMILARITY = 0.4


@dataclass
class Hit:
    article: Article
    score: float
    similarity: float
    snippet: str
    # Where the group's best member stood in each ranking (1 = first; 0 = not ranked): the
    # bot reads the two rankings' agreement as a sign of confidence.
    word_rank: int = 0
    meaning_rank: int = 0
    # The share of the question's content words the group holds in the question's language,
    # and the re-ranking's score (``similarity`` alone past ``RERANK_DEPTH``).
    coverage: float = 0.0
    fit: float = 0.0
    # The coverage the group's own words and concepts give, before a group read across
    # languages is lifted to the neutral coverage: what it shows, not what it is granted.
    evidence: float = 0.0
    # No text of the group is in the question's (known) language: it was matched by
    # meaning and concepts only, across languages (set among the re-ranked first).
    across_languages: bool = False


@dataclass(frozen=True)
class _Text:
    """One published article as coverage reads it: its stems and its concepts."""

    language: str
    internal: bool
    stems: frozenset[str]
    concepts: frozenset[str]


@dataclass
class _Vectors:
    """A workspace's searchable articles, one matrix of all their rows; and the words of
    each translation group, so re-ranking a question's candidates reads no row."""

    stamp: tuple[object, ...]
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    internal: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    first_passage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 512), dtype=np.float32))
    passages: dict[int, list[str]] = field(default_factory=dict)
    texts: dict[int, list[_Text]] = field(default_factory=dict)  # by group


_cache: dict[int, _Vectors] = {}
_cache_lock = threading.Lock()


def _published(workspace_id: int, include_internal: bool) -> QuerySet[Article]:
    articles = Article.objects.filter(workspace_id=workspace_id, status=Status.PUBLISHED)
    return articles if include_internal else articles.filter(internal=False)


def _vectors(workspace_id: int) -> _Vectors:
    published = Article.objects.filter(workspace_id=workspace_id, status=Status.PUBLISHED)
    aggregate = published.aggregate(
        n=Count("pk"), changed=Max("updated_at"), embedded=Sum("embedded_version")
    )
    stamp = (aggregate["n"], aggregate["changed"], aggregate["embedded"])
    cached = _cache.get(workspace_id)
    if cached is not None and cached.stamp == stamp:
        return cached
    # One read of every published article: its words for coverage, and its vectors when
    # its embedding job has run (a page that suggests related articles stays in budget).
    everything = published.values_list(
        "pk",
        "internal",
        "embedding",
        "passages",
        "group_id",
        "language",
        "search_title",
        "search_body",
    )
    vectors = _Vectors(stamp=stamp)
    rows = []
    for pk, internal, blob, chunks, group_id, language, title, body in everything:
        stems = frozenset(title.split()) | frozenset(body.split())
        text = _Text(language, internal, stems, frozenset(concepts_of_stems(stems, language)))
        vectors.texts.setdefault(group_id, []).append(text)
        if blob is not None:
            rows.append((pk, internal, blob, chunks))
    if rows:
        blocks = [from_bytes(blob) for _, _, blob, _ in rows]
        vectors.ids = np.array([pk for pk, _, _, _ in rows], dtype=np.int64)
        vectors.internal = np.array([internal for _, internal, _, _ in rows], dtype=bool)
        vectors.owner = np.repeat(np.arange(len(rows)), [len(b) for b in blocks])
        starts = np.cumsum([0] + [len(b) for b in blocks[:-1]])
        vectors.first_passage = starts + FIRST_PASSAGE_ROW
        vectors.matrix = np.vstack(blocks)
        vectors.passages = {pk: list(chunks or []) for pk, _, _, chunks in rows}
    with _cache_lock:
        _cache[workspace_id] = vectors
    return vectors


def _semantic(
    vectors: _Vectors, question: str, include_internal: bool
) -> tuple[list[tuple[int, float]], dict[int, str]]:
    """Articles by their best row's cosine with the question, best first; and for each,
    the passage that matched best (the snippet)."""
    if not len(vectors.ids):
        return [], {}
    query = embed([question])[0]
    if not query.any():
        return [], {}
    similarities = vectors.matrix @ query
    best = np.full(len(vectors.ids), -1.0, dtype=np.float32)
    np.maximum.at(best, vectors.owner, similarities)
    if not include_internal:
        best[vectors.internal] = -1.0
    order = [int(i) for i in np.argsort(-best)[:DEPTH] if best[i] > -1.0]
    ranked = [(int(vectors.ids[i]), float(best[i])) for i in order]
    snippets = {}
    for i in order:
        pk = int(vectors.ids[i])
        chunks = vectors.passages.get(pk) or []
        if len(chunks) > 1:
            start = int(vectors.first_passage[i])
            scores = similarities[start : start + len(chunks)]
            snippets[pk] = chunks[int(np.argmax(scores))]
        elif chunks:
            snippets[pk] = chunks[0]
    return ranked, snippets


def _fts5_match(terms: list[set[str]]) -> str:
    return " OR ".join(f'"{stem.replace(chr(34), chr(34) * 2)}"' for t in terms for stem in t)


def _tsquery(terms: list[set[str]]) -> str:
    return " | ".join(
        "'" + stem.replace("'", "''").replace("\\", "") + "'" for t in terms for stem in sorted(t)
    )


def _full_text(
    workspace_id: int, question: str, include_internal: bool, written_in: str = ""
) -> list[int]:
    """Ids of the articles sharing a stem with the question, best first; only those written
    in the question's language when it is known: stems are of one language, and an
    English question's "bike" or "online" found in an Italian text is a coincidence, not
    evidence (meaning ranks articles across languages)."""
    terms = query_terms(question, limit=QUERY_WORDS, content_only=True, joined=True)
    if not terms:
        return []
    visible = "" if include_internal else " AND NOT a.internal"
    if written_in:
        visible += " AND a.language = %s"
    if connection.vendor == "postgresql":
        statement = (
            "SELECT a.id FROM knowledge_article a, to_tsquery('simple', %s) q"
            " WHERE a.workspace_id = %s AND a.status = %s AND a.search_vector @@ q"
            f"{visible} ORDER BY ts_rank(a.search_vector, q) DESC, a.id LIMIT %s"
        )
        params: list[Any] = [_tsquery(terms), workspace_id, Status.PUBLISHED]
        params += [written_in] if written_in else []
        params.append(DEPTH)
    else:
        statement = (
            f"SELECT a.id FROM {FTS_TABLE} f JOIN knowledge_article a ON a.id = f.rowid"
            f" WHERE {FTS_TABLE} MATCH %s AND a.workspace_id = %s AND a.status = %s{visible}"
            f" ORDER BY bm25({FTS_TABLE}, %s, 1.0), a.id LIMIT %s"
        )
        params = [_fts5_match(terms), workspace_id, Status.PUBLISHED]
        params += [written_in] if written_in else []
        params += [TITLE_WEIGHT, DEPTH]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [int(row[0]) for row in cursor.fetchall()]


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _near(stem: str, stems: frozenset[str]) -> bool:
    """Whether ``stems`` holds ``stem`` misspelt by one letter (left out, added, changed or
    two swapped: "spedizone", "domicilo"); only for stems of ``TYPO_MIN_CHARS`` or more,
    with the same first letter, where one letter rarely makes another word."""
    if len(stem) < TYPO_MIN_CHARS:
        return False
    for other in stems:
        if other[:1] != stem[:1] or abs(len(other) - len(stem)) > 1 or len(other) < 4:
            continue
        if _one_edit(stem, other):
            return True
    return False


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    return any(a == b[:i] + b[i + 1 :] for i in range(len(b)))


@dataclass(frozen=True)
class Words:
    """What an article's group says, as coverage compares it with a question: its stems (in
    the question's language; empty when it has no text in it) and the customer-care
    concepts its text names in any of its languages (:mod:`sportello.language.synonyms`)."""

    stems: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()
    readable: bool = True  # it has text in the question's language


def coverage(
    terms: list[set[str]],
    words: Words,
    *,
    typos: bool = False,
    concepts: list[set[str]] | None = None,
) -> float:
    """The share of a question's content words (``query_terms``) found in an article's
    ``words``: by stem; with ``typos``, misspelt by one letter; with ``concepts`` (each
    term's, :func:`~sportello.language.synonyms.concepts_of_term`), by a concept both
    name ("rendere" meets "reso", "deliver" meets "consegna")."""
    if not terms:
        return 0.0
    found = 0
    for i, term in enumerate(terms):
        by_concept = bool(concepts and concepts[i] & words.concepts)
        misspelt = typos and any(_near(t, words.stems) for t in term)
        found += bool(term & words.stems or by_concept or misspelt)
    return found / len(terms)


def _group_words(
    vectors: _Vectors, group_ids: list[int], written_in: str, include_internal: bool
) -> dict[int, Words]:
    """Each group's :class:`Words`: stems from its text in ``written_in`` (from every text
    when the question's language is unknown), concepts from all its texts."""
    words = {}
    for group_id in group_ids:
        texts = [t for t in vectors.texts.get(group_id, []) if include_internal or not t.internal]
        readable = [t for t in texts if not written_in or t.language == written_in]
        words[group_id] = Words(
            frozenset().union(*(t.stems for t in readable)),
            frozenset().union(*(t.concepts for t in texts)),
            bool(readable),
        )
    return words


def _rerank(
    vectors: _Vectors, question: str, hits: list[Hit], written_in: str, include_internal: bool
) -> list[Hit]:
    """``hits`` (fused, best first) with the first ``RERANK_DEPTH`` ordered again by cosine
    plus ``COVERAGE_WEIGHT`` × coverage; each of them gets its ``coverage``.

    Coverage counts a question's word found in a group's text in the question's language
    by stem, and in any of its texts by concept. A group written only in the other
    language can meet the question on concepts alone ("ship" and "spedizione"), never on
    a stem two languages happen to share; its own words unread, it gets at least the mean
    coverage of the groups that can be read, so the words it cannot show neither sink it
    nor lift it, and meaning decides, unless its concepts lift it higher."""
    for hit in hits:
        hit.fit = hit.similarity
    head, tail = hits[:RERANK_DEPTH], hits[RERANK_DEPTH:]
    terms = query_terms(question, limit=QUERY_WORDS, content_only=True, joined=True)
    if len(head) < 2 or not terms:
        return hits
    concepts = [concepts_of_term(term, written_in) for term in terms]
    if written_in:
        # A word of the other language in the question ("gift card", "delivery" in an
        # Italian one): customers mix the two, and such a word names its concepts in its
        # own language. Only for a word that names none in the question's language.
        concepts = [
            named or concepts_of_term(term) for term, named in zip(terms, concepts, strict=True)
        ]
    words = _group_words(
        vectors, [hit.article.group_id for hit in head], written_in, include_internal
    )
    for hit in head:
        hit.coverage = coverage(terms, words[hit.article.group_id], typos=True, concepts=concepts)
        hit.evidence = hit.coverage
    known = [hit.coverage for hit in head if words[hit.article.group_id].readable]
    neutral = sum(known) / len(known) if known else 0.0
    for hit in head:
        if not words[hit.article.group_id].readable:
            hit.coverage = max(hit.coverage, neutral)
            hit.across_languages = True
        hit.fit = hit.similarity + COVERAGE_WEIGHT * hit.coverage
    head.sort(key=lambda hit: (-hit.fit, -hit.score))
    return head + tail


def search(
    workspace_id: int,
    question: str,
    *,
    language: str = "",
    languages: tuple[str, ...] = ("it", "en"),
    include_internal: bool = False,
    limit: int = 10,
) -> tuple[list[Hit], str]:
    """The published articles that answer ``question`` best, one per translation group (in
    ``language`` when the group has it, else in the question's language, else the best
    match), with a snippet; and the language the question was read as."""
    written_in = detect_language(question, among=languages)
    wanted = language or written_in
    vectors = _vectors(workspace_id)
    by_meaning, snippets = _semantic(vectors, question, include_internal)
    by_words = _full_text(workspace_id, question, include_internal, written_in)
    scores: dict[int, float] = {}
    for rank, pk in enumerate(by_words, start=1):
        scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    for rank, (pk, _) in enumerate(by_meaning, start=1):
        scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank)
    if not scores:
        return [], wanted
    similarity = dict(by_meaning)
    word_ranks = {pk: rank for rank, pk in enumerate(by_words, start=1)}
    meaning_ranks = {pk: rank for rank, (pk, _) in enumerate(by_meaning, start=1)}
    found = {
        a.pk: a
        for a in _published(workspace_id, include_internal)
        .filter(pk__in=scores)
        .select_related("category")
        .defer("search_title", "search_body", "embedding")
    }
    # The translations of the groups found, to answer in the reader's language.
    groups: dict[int, list[int]] = {}
    for pk in sorted(found, key=lambda pk: -scores[pk]):
        groups.setdefault(found[pk].group_id, []).append(pk)
    in_language = {}
    if wanted:
        in_language = {
            a.group_id: a
            for a in _published(workspace_id, include_internal)
            .filter(group_id__in=groups, language=wanted)
            .select_related("category")
            .defer("search_title", "search_body", "embedding")
        }
    hits = []
    for group_id, members in groups.items():
        best = members[0]
        article = in_language.get(group_id) or found[best]
        passage = snippets.get(article.pk) or snippets.get(best) or article.body_text
        if article.pk != best and article.pk not in snippets:
            passage = article.body_text
        hits.append(
            Hit(
                article=article,
                score=max(scores[pk] for pk in members),
                similarity=max(similarity.get(pk, 0.0) for pk in members),
                snippet=_snippet(passage),
                word_rank=min((word_ranks[pk] for pk in members if pk in word_ranks), default=0),
                meaning_rank=min(
                    (meaning_ranks[pk] for pk in members if pk in meaning_ranks), default=0
                ),
            )
        )
    hits.sort(key=lambda hit: (-hit.score, hit.article.pk))
    return _rerank(vectors, question, hits, written_in, include_internal)[:limit], wanted


def similar_articles(workspace_id: int, article_id: int, *, limit: int = 10) -> list[int]:
    """Ids of the published articles nearest in meaning to ``article_id`` (its title and
    body row against every row of the others), best first, those closer than
    ``RELATED_SIMILARITY`` only; internal ones included (callers filter)."""
    vectors = _vectors(workspace_id)
    where = np.nonzero(vectors.ids == article_id)[0]
    if not len(where):
        return []
    own = int(where[0])
    query = vectors.matrix[int(np.argmax(vectors.owner == own))]
    similarities = vectors.matrix @ query
    best = np.full(len(vectors.ids), -1.0, dtype=np.float32)
    np.maximum.at(best, vectors.owner, similarities)
    best[own] = -1.0
    order = np.argsort(-best)[:limit]
    return [int(vectors.ids[i]) for i in order if best[i] >= RELATED_SIMILARITY]
