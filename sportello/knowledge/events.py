"""What happens to the knowledge base, published on commit (docs/architecture/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class ArticleSaved(Event):
    """An article was created or changed; ``text_changed`` when its title or body did, so
    its vectors must be computed again (``handlers.embed_saved_article``)."""

    article_id: int
    text_changed: bool


@dataclass(frozen=True)
class ArticleDeleted(Event):
    article_id: int
