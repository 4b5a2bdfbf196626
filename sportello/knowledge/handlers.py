"""Reactions of the knowledge base to its own events (registered in config/event_handlers.py)."""

from __future__ import annotations

from sportello.knowledge.events import ArticleSaved
from sportello.knowledge.jobs import embed_article


def embed_saved_article(event: ArticleSaved) -> None:
    """A new title or body: its vectors are computed by a job (the embedded consumer's
    thread, or a worker at scale), never on the request that saved it."""
    if event.text_changed:
        embed_article(event.article_id)
