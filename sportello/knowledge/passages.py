"""An article cut into the passages semantic search compares a question with.

A whole article's vector blurs its several answers together (shipping times, costs and
islands in one text); a question is usually about one of them. So an article gets a vector
for its title, one for title and body together, and one for each passage of a few
sentences, each read with the title as its context; the best of them is the article's
similarity, and the best passage is the snippet shown.
"""

from __future__ import annotations

import re

PASSAGE_CHARS = 400  # a few sentences: about what one answer takes
MAX_PASSAGES = 12
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def passages(body_text: str) -> list[str]:
    """The body's sentences gathered, in order, into passages of at most ``PASSAGE_CHARS``
    (a longer sentence is a passage of its own, cut), at most ``MAX_PASSAGES``."""
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(body_text):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if current and len(current) + 1 + len(sentence) > PASSAGE_CHARS:
            out.append(current)
            current = ""
        current = f"{current} {sentence}".strip()[: PASSAGE_CHARS * 2]
        if len(out) >= MAX_PASSAGES:
            break
    if current and len(out) < MAX_PASSAGES:
        out.append(current)
    return out


def texts_to_embed(title: str, body_text: str, chunks: list[str]) -> list[str]:
    """Row 0: the title; row 1: title and body; then title and each passage, when the body
    holds more than one (with one, row 1 is that passage already)."""
    rows = [title, f"{title}\n{body_text}"]
    if len(chunks) > 1:
        rows.extend(f"{title}\n{chunk}" for chunk in chunks)
    return rows


FIRST_PASSAGE_ROW = 2
