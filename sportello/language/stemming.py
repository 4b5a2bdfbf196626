"""Search terms: words folded to their stems, Italian and English, offline (PyStemmer).

Both SQLite FTS5 and PostgreSQL index the same pre-stemmed text, so a search behaves the
same on both backends: "spedizioni" finds "spedizione", "orders" finds "ordered".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from sportello.language.stopwords import STOPWORDS

# A word is a run of letters and digits, less the few that are letters to Python but marks
# to SQLite's unicode61 tokenizer: it splits a word there, so a quoted search term holding
# one became a phrase, which FTS5 refuses on an index with detail=column.
_WORD = re.compile(r"[^\W_\u19b0-\u19c0\u19c8\u19c9\u1cf2\u1cf3]+", re.UNICODE)
_STEMMERS = {"it": "italian", "en": "english"}
# Words of letters joined by hyphens ("wi-fi", "e-mail", "second-hand"): customers write
# them joined as often ("wifi", "email"), so each is also one word, its parts joined.
_COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
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


def folded_words(text: str) -> list[str]:
    """The words of ``text``, folded, each split again where folding made a separator: NFKD
    turns '½' into '1⁄2' and '⑴' into '(1)'. Every word given to the index or to a query is
    thus one token to both FTS5 and PostgreSQL, never a phrase or operator syntax."""
    return [part for word in words(text) for part in _WORD.findall(fold(word))]


def compounds(text: str) -> list[str]:
    """The hyphenated compounds of ``text``, folded and joined: "Wi-Fi" is "wifi"."""
    return ["".join(folded_words(match)) for match in _COMPOUND.findall(text[:MAX_INDEXED_CHARS])]


def _index_tokens(text: str) -> list[str]:
    """:func:`folded_words`, each hyphenated compound joined after its last part: in the
    text's order, so the tokens of a text are the tokens of its pieces put end to end
    (``bench/texts.py`` stems phrases once and joins them)."""
    text = text[:MAX_INDEXED_CHARS]
    joined = [(m.end(), "".join(folded_words(m.group()))) for m in _COMPOUND.finditer(text)]
    tokens: list[str] = []
    waiting = 0
    for word in _WORD.finditer(text):
        while waiting < len(joined) and joined[waiting][0] <= word.start():
            tokens.append(joined[waiting][1])
            waiting += 1
        tokens.extend(_WORD.findall(fold(word.group())))
    tokens.extend(compound for _, compound in joined[waiting:])
    return tokens


def stems_for_index(text: str, language: str = "") -> str:
    """The text as the search index stores it: one stem per word, and one for each
    hyphenated compound joined (:func:`compounds`) right after its parts.

    Words are stemmed in the message's language when it is Italian or English; text in
    other or unknown languages keeps both stems so either query form finds it.
    """
    tokens = _index_tokens(text)
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


def query_terms(
    query: str, limit: int = 12, *, content_only: bool = False, joined: bool = False
) -> list[set[str]]:
    """For each word of a query, the stems it may be indexed under (Italian, English);
    with ``content_only``, for its content words only (no "the", "di", "posso": a
    question's function words would match every text).

    With ``joined``, a hyphenated compound is one word, its parts joined: "wi-fi" finds
    "wifi" and "wi-fi" (the index holds both since the sixth pass of the bot), never its
    parts alone: an e-book is not the book a bookshop sells, "lactose-free" is not "free"
    (matched by its parts, one more unanswerable question was answered). Texts indexed
    before hold the parts only, so searches over old text (conversations) keep them."""
    folded_query: list[str] = []
    done = 0
    for match in _COMPOUND.finditer(query) if joined else ():
        folded_query += folded_words(query[done : match.start()])
        folded_query.append("".join(folded_words(match.group())))
        done = match.end()
    folded_query += folded_words(query[done:])
    if content_only:
        folded_query = [word for word in folded_query if word not in STOPWORDS]
    terms: list[set[str]] = []
    for folded in folded_query[:limit]:
        terms.append({folded, _stemmer("it").stemWord(folded), _stemmer("en").stemWord(folded)})
    return terms
