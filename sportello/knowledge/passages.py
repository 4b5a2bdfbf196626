"""An article cut into the passages semantic search compares a question with.

A long article's single vector blurs its several answers together (shipping times, costs,
islands); a question is usually about one of them. So an article gets one vector for title
and body together (the encoder reads about the first 128 tokens: all of a short FAQ
answer), and, when its body holds more than one passage (a paragraph, long ones cut
between sentences), one for each passage read with the title as its context. The best of
them is the article's similarity; the best passage is the snippet shown. The title gets
no vector of its own: most titles are questions or headings, and a title's *form*
("Posso ...?") matches any question of the same form better than its answer does.
"""

from __future__ import annotations

import re

PASSAGE_CHARS = 400  # a few sentences: about what one answer takes
SHORT_LINE = 120  # a heading or a list item: read with its neighbours, not alone
MAX_PASSAGES = 12
_LINES = re.compile(r"\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _paragraphs(body_text: str) -> list[str]:
    """The body's paragraphs, the author's own units of meaning; short lines (headings,
    list items) joined to the lines after them until they make a paragraph's length."""
    out: list[str] = []
    pending = ""
    for line in _LINES.split(body_text):
        line = " ".join(line.split())
        if not line:
            continue
        pending = f"{pending} {line}".strip()
        if len(pending) >= SHORT_LINE:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


def passages(body_text: str) -> list[str]:
    """The body cut into passages, in order, at most ``MAX_PASSAGES``: a paragraph is a
    passage; one longer than ``PASSAGE_CHARS`` is cut between sentences (a sentence
    longer than that is a passage of its own, cut). A passage never joins two
    paragraphs: the answer to a question sits in one, and its neighbour would blur it."""
    out: list[str] = []
    for paragraph in _paragraphs(body_text):
        current = ""
        for sentence in _SENTENCE_END.split(paragraph):
            if current and len(current) + 1 + len(sentence) > PASSAGE_CHARS:
                out.append(current)
                current = ""
            current = f"{current} {sentence}".strip()[: PASSAGE_CHARS * 2]
        if current:
            out.append(current)
        if len(out) >= MAX_PASSAGES:
            break
    return out[:MAX_PASSAGES]


def texts_to_embed(title: str, body_text: str, chunks: list[str]) -> list[str]:
    """Row 0: title and body; then title and each passage, when the body holds more than one
    (with one, row 0 is that passage already)."""
    rows = [f"{title}\n{body_text}"]
    if len(chunks) > 1:
        rows.extend(f"{title}\n{chunk}" for chunk in chunks)
    return rows


FIRST_PASSAGE_ROW = 1
