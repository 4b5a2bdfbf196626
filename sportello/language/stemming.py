"""Search terms: words folded to their stems, Italian and English, offline (PyStemmer).

Both SQLite FTS5 and PostgreSQL index the same pre-stemmed text, so a search behaves the
same on both backends: "spedizioni" finds "spedizione", "orders" finds "ordered".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMERS = {"it": "italian", "en": "english"}
MAX_INDEXED_CHARS = 200_000


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer._Stemmer:
    return Stemmer.Stemmer(_STEMMERS[language])


def fold(word: str) -> str:
    """Lower case without accents: 'Perché' and 'perche' are the same word to a search."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _WORD.findall(text[:MAX_INDEXED_CHARS])


def stems_for_index(text: str, language: str = "") -> str:
    """The text as the search index stores it: one stem per word.

    Words are stemmed in the message's language when it is Italian or English; text in
    other or unknown languages keeps both stems so either query form finds it.
    """
    tokens = [fold(w) for w in words(text)]
    if language in _STEMMERS:
        return " ".join(_stemmer(language).stemWords(tokens))
    italian = _stemmer("it").stemWords(tokens)
    english = _stemmer("en").stemWords(tokens)
    out: list[str] = []
    for it, en in zip(italian, english, strict=True):
        out.append(it)
        if en != it:
            out.append(en)
    return " ".join(out)


def query_terms(query: str, limit: int = 12) -> list[set[str]]:
    """For each word of a query, the stems it may be indexed under (Italian, English)."""
    terms: list[set[str]] = []
    for word in words(query)[:limit]:
        folded = fold(word)
        terms.append({folded, _stemmer("it").stemWord(folded), _stemmer("en").stemWord(folded)})
    return terms
