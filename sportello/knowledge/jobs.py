"""Background work of the knowledge base: an article's vectors, computed off the request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from sportello.knowledge import actions
from sportello.knowledge.models import Article
from sportello.knowledge.passages import passages, texts_to_embed
from sportello.language.embeddings import embed, to_bytes


@db_task(retries=2, retry_delay=30)
def embed_article(article_id: int) -> None:
    """Compute and keep the vectors semantic search compares questions with (a title row,
    a whole-article row, a row a passage). A deleted article is simply skipped."""
    article = (
        Article.objects.filter(pk=article_id)
        .only("title", "body_text", "version", "embedded_version")
        .first()
    )
    if article is None or article.embedded_version >= article.version:
        return
    chunks = passages(article.body_text)
    vectors = embed(texts_to_embed(article.title, article.body_text, chunks))
    actions.store_embedding(
        article_id, version=article.version, vectors=to_bytes(vectors), passages=chunks
    )
