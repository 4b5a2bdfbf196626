"""The passage of a message that a search matched, with the matched words marked.

A word matches when one of its stems (Italian or English, as the search index stores them)
is one of the query's: "rotti" marks "rotto" and "rotta", "orders" marks "ordered". The
text is escaped first and only then marked, so nothing a customer wrote becomes markup.
"""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

from sportello.language.stemming import folded_words, query_terms, stems_for_index

_WORD = re.compile(r"\w+", re.UNICODE)
# Characters of context shown before the first match, and the passage's whole length.
BEFORE = 60
LENGTH = 220


def query_stems(query: str) -> frozenset[str]:
    return frozenset(stem for term in query_terms(query) for stem in term)


def _matches(word: str, stems: frozenset[str]) -> bool:
    folded = folded_words(word)
    if not folded:
        return False
    if any(part in stems for part in folded):
        return True
    return any(stem in stems for stem in stems_for_index(word).split())


def matched_spans(text: str, stems: frozenset[str]) -> list[tuple[int, int]]:
    """Where the words of ``text`` that match ``stems`` start and end."""
    if not stems:
        return []
    return [m.span() for m in _WORD.finditer(text) if _matches(m.group(), stems)]


def passage(text: str, stems: frozenset[str]) -> SafeString | None:
    """A stretch of ``text`` around its first match, escaped, the matches in ``<mark>``;
    ``None`` when no word of it matches."""
    spans = matched_spans(text, stems)
    if not spans:
        return None
    first = spans[0][0]
    start = 0 if first <= BEFORE else text.rfind(" ", 0, first - BEFORE) + 1
    end = min(len(text), start + LENGTH)
    if end < len(text):
        cut = text.rfind(" ", max(first + 1, end - 30), end)
        end = cut if cut > first else end
    parts = ["…" if start > 0 else ""]
    at = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        parts.append(escape(text[at:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        at = span_end
    parts.append(escape(text[at:end]))
    if end < len(text):
        parts.append("…")
    shown = " ".join("".join(parts).split())  # one line, as a preview reads
    return mark_safe(shown)  # escaped above; only <mark> added
