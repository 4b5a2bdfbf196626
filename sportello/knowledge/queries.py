"""The read side of the knowledge base, shared by the API, the agent UI and the help center."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from sportello.core.errors import NotFound
from sportello.core.models import Workspace
from sportello.knowledge.models import Article, ArticleVersion, Category, Status, Tag
from sportello.knowledge.search import Hit, search, similar_articles

# What an article's page and the API show, without the search columns and vectors.
_HEAVY = ("search_title", "search_body", "embedding", "passages")
# A customer's message is searched by its beginning: the question is rarely further down.
SUGGESTION_CHARS = 1_000
# Related articles shown under an article when its editor chose none.
RELATED_SHOWN = 3


def articles(
    workspace_id: int,
    *,
    status: str | None = None,
    language: str | None = None,
    category_id: int | None = None,
    tag: str | None = None,
    internal: bool | None = None,
) -> QuerySet[Article]:
    """The workspace's articles, newest first, with what a list shows fetched in a few
    queries whatever the page's length (tags, related, translations)."""
    found = Article.objects.filter(workspace_id=workspace_id)
    if status:
        found = found.filter(status=status)
    if language:
        found = found.filter(language=language)
    if category_id is not None:
        found = found.filter(category_id=category_id)
    if tag:
        found = found.filter(tags__name=" ".join(tag.split()).lower())
    if internal is not None:
        found = found.filter(internal=internal)
    return (
        found.defer(*_HEAVY)
        .order_by("-pk")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("name")),
            Prefetch("related", queryset=Article.objects.only("pk")),
            Prefetch("group__articles", queryset=Article.objects.only("pk", "language", "group")),
        )
    )


def get_article(workspace_id: int, article_id: int) -> Article:
    article = articles(workspace_id).filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"there is no article {article_id}")
    return article


def versions(article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("changed_by").order_by("-number")


def categories(workspace_id: int) -> QuerySet[Category]:
    return Category.objects.filter(workspace_id=workspace_id)


def category_counts(workspace_id: int) -> dict[int, int]:
    """How many articles (any status) each category holds, by its id."""
    rows = (
        Article.objects.filter(workspace_id=workspace_id, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("pk"))
    )
    return {row["category_id"]: row["n"] for row in rows}


def get_category(workspace_id: int, category_id: int) -> Category:
    category = categories(workspace_id).filter(pk=category_id).first()
    if category is None:
        raise NotFound(f"there is no category {category_id}")
    return category


# --- the public help center ----------------------------------------------------------------


def help_center_workspace(slug: str) -> Workspace | None:
    """The workspace whose help center lives at ``slug``."""
    return Workspace.objects.filter(slug=slug).first()


def _public(workspace_id: int) -> QuerySet[Article]:
    return Article.objects.filter(
        workspace_id=workspace_id, status=Status.PUBLISHED, internal=False
    )


def public_articles(workspace_id: int) -> QuerySet[Article]:
    """What a customer may read: published, not internal."""
    return _public(workspace_id).defer(*_HEAVY).select_related("category")


def public_shelf(workspace_id: int, language: str) -> list[Article]:
    """One article per translation group, in ``language`` where the group has it, else in
    another language (the reader sees which), by category position then title."""
    found = list(public_articles(workspace_id).order_by("title", "pk"))
    chosen: dict[int, Article] = {}
    for article in found:
        current = chosen.get(article.group_id)
        if current is None or (article.language == language and current.language != language):
            chosen[article.group_id] = article
    return sorted(chosen.values(), key=lambda a: a.title.casefold())


def public_article(workspace_id: int, article_id: int) -> Article:
    article = public_articles(workspace_id).filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"there is no article {article_id}")
    return article


def public_translations(article: Article) -> list[Article]:
    """The article's other published, public languages."""
    return list(
        _public(article.workspace_id)
        .filter(group_id=article.group_id)
        .exclude(pk=article.pk)
        .only("pk", "language", "title", "slug", "group")
    )


def translations(article: Article) -> list[Article]:
    """The article's other languages, whatever their status (the editor links them)."""
    return list(
        Article.objects.filter(workspace_id=article.workspace_id, group_id=article.group_id)
        .exclude(pk=article.pk)
        .only("pk", "language", "title", "status", "group")
        .order_by("language")
    )


def public_related(article: Article, language: str) -> list[Article]:
    """The related articles a customer may read, each in ``language`` where translated."""
    groups = article.related.filter(status=Status.PUBLISHED, internal=False).values("group_id")
    chosen: dict[int, Article] = {}
    for other in (
        _public(article.workspace_id)
        .filter(group_id__in=groups)
        .exclude(group_id=article.group_id)
        .only("pk", "language", "title", "slug", "group")
        .order_by("title", "pk")
    ):
        current = chosen.get(other.group_id)
        if current is None or (other.language == language and current.language != language):
            chosen[other.group_id] = other
    return sorted(chosen.values(), key=lambda a: a.title.casefold())


def related_articles(
    article: Article, language: str, *, limit: int = RELATED_SHOWN
) -> tuple[list[Article], bool]:
    """What a reader of ``article`` may read next: the related articles its editor chose
    (customers' only), or, when none were chosen, the nearest in meaning (at most
    ``limit``); each in ``language`` where translated. The flag says they were suggested."""
    chosen = public_related(article, language)
    if chosen or article.related.exists():
        return chosen, False
    nearest = similar_articles(article.workspace_id, article.pk, limit=limit * 3)
    groups = dict(
        _public(article.workspace_id)
        .filter(pk__in=nearest)
        .exclude(group_id=article.group_id)
        .values_list("pk", "group_id")
    )
    order = [groups[pk] for pk in nearest if pk in groups]
    order = list(dict.fromkeys(order))[:limit]
    found: dict[int, Article] = {}
    for other in (
        _public(article.workspace_id)
        .filter(group_id__in=order)
        .only("pk", "language", "title", "slug", "group")
    ):
        current = found.get(other.group_id)
        if current is None or (other.language == language and current.language != language):
            found[other.group_id] = other
    return [found[g] for g in order if g in found], True


def suggestions(workspace_id: int, text: str, *, limit: int = 3) -> list[Hit]:
    """The articles an agent may quote in a reply to ``text`` (a customer's message): the
    search's best, internal-only articles included (agents read them; the agent decides
    what to send), in the message's language when a translation exists."""
    text = " ".join(text.split())[:SUGGESTION_CHARS]
    if not text:
        return []
    hits, _ = search(workspace_id, text, include_internal=True, limit=limit)
    return hits
