"""The content quality report: what to fix, merge or write next in the knowledge base.

- **Near-duplicates**: two articles of the same language whose whole-text vectors
  (``Article.embedding`` row 0) have a cosine of at least ``DUPLICATE_SIMILARITY``. The
  multilingual encoder puts a faithful translation at ~0.85-0.9 of its original
  (docs/architecture/language.md) and distinct FAQ answers of one shop well below 0.8, so
  two articles *of one language* that close say nearly the same thing; when their figures
  differ ("30 giorni" / "14 giorni") they may contradict each other, and say so.
- **Diverging translations**: the versions of one article whose vectors are below
  ``TRANSLATION_SIMILARITY`` of each other, or whose figures differ: one was changed and
  the other was not.
- **Never read**: published public articles the help center never showed
  (``readership`` counts views in batches).
- **Unhelpful**: the readers' "did this help?" votes, the least helpful first.
- **Gaps**: the questions the bot handed over for want of an article
  (``UnansweredQuestion``), grouped by topic: a question joins the group whose centre is
  within ``TOPIC_SIMILARITY`` cosine, else starts one; the largest groups first.
- **Readability**: Gulpease (Lucisano & Piemontese, 1988) for Italian, Flesch reading
  ease (1948) for English, both 0 (hard) to 100 (easy); the hardest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.db.models import Count, Q

from sportello.core import clock
from sportello.knowledge.models import Article, ArticleVote, Status, UnansweredQuestion
from sportello.language.embeddings import embed, from_bytes

DUPLICATE_SIMILARITY = 0.8
TRANSLATION_SIMILARITY = 0.7
TOPIC_SIMILARITY = 0.5
GAP_DAYS = 90
GAP_QUESTIONS = 500  # the most recent ones; enough to see the topics
GAP_EXAMPLES = 5
MAX_ROWS = 100

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?;:]+(?=\s|$)|\n+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class ArticleRef:
    id: int
    title: str
    language: str
    status: str
    internal: bool


@dataclass(frozen=True)
class Pair:
    first: ArticleRef
    second: ArticleRef
    similarity: float
    numbers_differ: bool


@dataclass(frozen=True)
class Readability:
    article: ArticleRef
    index: str  # gulpease | flesch
    score: float
    words: int


@dataclass(frozen=True)
class Votes:
    article: ArticleRef
    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class Gap:
    question: str  # the group's most central question
    count: int
    examples: list[str]


@dataclass
class Report:
    duplicates: list[Pair] = field(default_factory=list)
    diverging_translations: list[Pair] = field(default_factory=list)
    never_viewed: list[ArticleRef] = field(default_factory=list)
    unhelpful: list[Votes] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    readability: list[Readability] = field(default_factory=list)


def _ref(article: Article) -> ArticleRef:
    return ArticleRef(article.pk, article.title, article.language, article.status, article.internal)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _sentences(text: str) -> int:
    return max(1, len([s for s in _SENTENCE_END.split(text.strip()) if _WORD.search(s)]))


def gulpease(text: str) -> float:
    """89 + (300 sentences - 10 letters) / words, clamped to 0..100: Italian prose a
    primary-school reader reads easily scores above 80, above 60 for middle school."""
    words = _words(text)
    if not words:
        return 100.0
    letters = sum(len(w.replace("'", "").replace("’", "")) for w in words)
    score = 89 + (300 * _sentences(text) - 10 * letters) / len(words)
    return round(min(100.0, max(0.0, score)), 1)


def syllables(word: str) -> int:
    """English syllables, approximately: groups of vowels, a final silent e dropped."""
    word = word.lower()
    groups = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(1, groups)


def flesch(text: str) -> float:
    """206.835 - 1.015 words/sentence - 84.6 syllables/word, clamped to 0..100: above 60
    is plain English, below 30 reads like a legal text."""
    words = _words(text)
    if not words:
        return 100.0
    per_sentence = len(words) / _sentences(text)
    per_word = sum(syllables(w) for w in words) / len(words)
    return round(min(100.0, max(0.0, 206.835 - 1.015 * per_sentence - 84.6 * per_word)), 1)


def readability(text: str, language: str) -> tuple[str, float]:
    return ("gulpease", gulpease(text)) if language == "it" else ("flesch", flesch(text))


def _numbers(text: str) -> frozenset[str]:
    return frozenset(n.replace(",", ".") for n in _NUMBER.findall(text))


def _similar_pairs(articles: list[Article]) -> tuple[list[Pair], list[Pair]]:
    with_vectors = [a for a in articles if a.embedding]
    if len(with_vectors) < 2:
        return [], []
    matrix = np.vstack([from_bytes(a.embedding)[0] for a in with_vectors])
    similarity = matrix @ matrix.T
    numbers = [_numbers(a.body_text) for a in with_vectors]
    duplicates, diverging = [], []
    for i, first in enumerate(with_vectors):
        for j in range(i + 1, len(with_vectors)):
            second = with_vectors[j]
            cosine = float(similarity[i, j])
            differ = numbers[i] != numbers[j]
            pair = Pair(_ref(first), _ref(second), round(cosine, 3), differ)
            if first.group_id == second.group_id:
                if cosine < TRANSLATION_SIMILARITY or differ:
                    diverging.append(pair)
            elif first.language == second.language and cosine >= DUPLICATE_SIMILARITY:
                duplicates.append(pair)
    duplicates.sort(key=lambda p: -p.similarity)
    diverging.sort(key=lambda p: p.similarity)
    return duplicates[:MAX_ROWS], diverging[:MAX_ROWS]


def group_questions(questions: list[str], vectors: np.ndarray) -> list[Gap]:
    """Questions grouped by topic (each joins the nearest group centre within
    ``TOPIC_SIMILARITY``, else starts one), the largest groups first."""
    centres: list[np.ndarray] = []
    members: list[list[int]] = []
    for i, vector in enumerate(vectors):
        if not vector.any():
            continue
        if centres:
            scores = np.array([float(c @ vector) / (np.linalg.norm(c) or 1.0) for c in centres])
            best = int(np.argmax(scores))
            if scores[best] >= TOPIC_SIMILARITY:
                centres[best] = centres[best] + vector
                members[best].append(i)
                continue
        centres.append(vector.astype(np.float64))
        members.append([i])
    gaps = []
    for centre, group in zip(centres, members, strict=True):
        central = max(group, key=lambda i: float(vectors[i] @ centre))
        examples = [questions[i] for i in group if i != central][: GAP_EXAMPLES - 1]
        gaps.append(Gap(questions[central], len(group), [questions[central], *examples]))
    gaps.sort(key=lambda g: (-g.count, g.question))
    return gaps[:MAX_ROWS]


def _gaps(workspace_id: int) -> list[Gap]:
    since = clock.now() - timedelta(days=GAP_DAYS)
    questions = list(
        UnansweredQuestion.objects.filter(workspace_id=workspace_id, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .values_list("question", flat=True)[:GAP_QUESTIONS]
    )
    if not questions:
        return []
    return group_questions(questions, embed(questions))


def content_report(workspace_id: int) -> Report:
    """The report over the workspace's articles that are not archived."""
    articles = list(
        Article.objects.filter(workspace_id=workspace_id)
        .exclude(status=Status.ARCHIVED)
        .only(
            "pk",
            "title",
            "language",
            "status",
            "internal",
            "group_id",
            "body_text",
            "embedding",
            "view_count",
        )
        .order_by("pk")
    )
    report = Report()
    report.duplicates, report.diverging_translations = _similar_pairs(articles)
    report.never_viewed = [
        _ref(a)
        for a in articles
        if a.status == Status.PUBLISHED and not a.internal and a.view_count == 0
    ][:MAX_ROWS]
    votes = (
        ArticleVote.objects.filter(workspace_id=workspace_id)
        .values("article_id")
        .annotate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
        )
    )
    by_id = {a.pk: a for a in articles}
    report.unhelpful = sorted(
        (
            Votes(_ref(by_id[v["article_id"]]), v["yes"], v["no"])
            for v in votes
            if v["article_id"] in by_id and v["no"]
        ),
        key=lambda v: (-v.unhelpful / (v.helpful + v.unhelpful), -v.unhelpful, v.article.id),
    )[:MAX_ROWS]
    report.gaps = _gaps(workspace_id)
    scored = []
    for a in articles:
        index, score = readability(a.body_text, a.language)
        scored.append(Readability(_ref(a), index, score, len(_words(a.body_text))))
    report.readability = sorted(scored, key=lambda r: (r.score, r.article.id))[:MAX_ROWS]
    return report
