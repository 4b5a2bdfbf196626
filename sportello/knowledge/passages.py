"""An article cut into the passages semantic search compares a question with.

A long article's single vector blurs its several answers together (shipping times, costs,
islands); a question is usually about one of them. So an article gets one vector for title
and body together (the encoder reads about the first 128 tokens: all of a short FAQ
answer), and, when its body holds more than one passage of a few sentences, one for each
passage read with the title as its context. The best of them is the article's similarity;
the best passage is the snippet shown. The title gets no vector of its own: most titles
are questions or headings, and a title's *form* ("Posso ...?") matches any question of the
same form better than its answer does.
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
    """Row 0: title and body; then title and each passage, when the body holds more than one
    (with one, row 0 is that passage already)."""
    rows = [f"{title}\n{body_text}"]
    if len(chunks) > 1:
        rows.extend(f"{title}\n{chunk}" for chunk in chunks)
    return rows


FIRST_PASSAGE_ROW = 1
