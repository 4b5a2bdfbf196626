"""The only writers of the knowledge base.

Every change to an article keeps a version (who, when, what changed) and publishes
``ArticleSaved`` on commit; its vectors are then computed by a job, so saving an article
never waits for the language model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.text import slugify
from django.utils.translation import ngettext

from sportello.accounts.models import Agent
from sportello.core import clock
from sportello.core.errors import Conflict, InvalidInput
from sportello.core.events import publish
from sportello.core.html import html_to_text, sanitize_html
from sportello.knowledge.events import ArticleDeleted, ArticleSaved
from sportello.knowledge.models import (
    Article,
    ArticleVersion,
    ArticleVote,
    Category,
    Language,
    Status,
    Tag,
    TranslationGroup,
    UnansweredQuestion,
)
from sportello.language.stemming import stems_for_index

LANGUAGES = frozenset(Language.values)
MAX_TAGS = 20


def _slug(text: str, max_length: int) -> str:
    return slugify(text)[:max_length].strip("-")


# --- categories -------------------------------------------------------------------------


@transaction.atomic
def create_category(
    workspace_id: int,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    position: int | None = None,
    name_en: str = "",
) -> Category:
    """A new shelf; its slug (from the name unless given) is unique in the workspace. With
    no ``position`` it goes last."""
    name = name.strip()
    if not name:
        raise InvalidInput("a category needs a name")
    if position is None:
        last = Category.objects.filter(workspace_id=workspace_id).aggregate(m=Max("position"))
        position = 0 if last["m"] is None else last["m"] + 1
    slug = _slug(slug or name, 80)
    if not slug:
        raise InvalidInput("the category's slug has no letters or digits")
    if Category.objects.filter(workspace_id=workspace_id, slug=slug).exists():
        raise Conflict(f"a category with slug {slug!r} exists already")
    return Category.objects.create(
        workspace_id=workspace_id,
        name=name,
        name_en=name_en.strip(),
        slug=slug,
        description=description.strip(),
        position=position,
    )


@transaction.atomic
def update_category(category: Category, **changes: Any) -> Category:
    """Rename, describe or move a category; ``None`` leaves a field as it is."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise InvalidInput("a category needs a name")
    if "name_en" in changes:
        changes["name_en"] = changes["name_en"].strip()
    if "slug" in changes:
        changes["slug"] = _slug(changes["slug"], 80)
        taken = Category.objects.filter(workspace_id=category.workspace_id, slug=changes["slug"])
        if not changes["slug"] or taken.exclude(pk=category.pk).exists():
            raise Conflict(f"the slug {changes['slug']!r} is empty or taken")
    for field, value in changes.items():
        setattr(category, field, value)
    category.save()
    return category


@transaction.atomic
def move_category(category: Category, step: int) -> None:
    """Move a shelf ``step`` places up (negative) or down in the workspace's order; the
    shelves are numbered again 0, 1, 2... so two never share a place."""
    shelves = list(
        Category.objects.select_for_update()
        .filter(workspace_id=category.workspace_id)
        .order_by("position", "name", "pk")
    )
    index = next(i for i, c in enumerate(shelves) if c.pk == category.pk)
    target = max(0, min(len(shelves) - 1, index + step))
    shelves.insert(target, shelves.pop(index))
    for position, shelf in enumerate(shelves):
        if shelf.position != position:
            Category.objects.filter(pk=shelf.pk).update(position=position)
    category.position = target


@transaction.atomic
def delete_category(category: Category) -> None:
    """Remove an empty shelf. One holding articles (any status) is refused: deleting it
    would silently take them off the help center's shelves; move them first."""
    count = category.articles.count()
    if count:
        raise Conflict(
            ngettext(
                "The category “%(name)s” holds %(count)d article: move it to another"
                " category first.",
                "The category “%(name)s” holds %(count)d articles: move them to another"
                " category first.",
                count,
            )
            % {"name": category.name, "count": count}
        )
    category.delete()


# --- articles ---------------------------------------------------------------------------


def _clean_body(body: str) -> tuple[str, str]:
    """Sanitised HTML (no script, handler or dangerous URL survives) and its plain text."""
    html = sanitize_html(body)
    return html, html_to_text(html)


def _category(workspace_id: int, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(workspace_id=workspace_id, pk=category_id).first()
    if category is None:
        raise InvalidInput(f"there is no category {category_id}")
    return category


def _tags(workspace_id: int, names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({" ".join(n.split()).lower()[:60] for n in names} - {""})
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags an article")
    tags = []
    for name in cleaned:
        tag, _ = Tag.objects.get_or_create(workspace_id=workspace_id, name=name)
        tags.append(tag)
    return tags


def _related(article: Article, ids: Iterable[int]) -> list[Article]:
    wanted = set(ids) - {article.pk}
    found = list(Article.objects.filter(workspace_id=article.workspace_id, pk__in=wanted))
    if len(found) != len(wanted):
        missing = sorted(wanted - {a.pk for a in found})
        raise InvalidInput(f"there is no article {missing[0]} to relate")
    return found


def _index(article: Article) -> None:
    article.search_title = stems_for_index(article.title, article.language)
    article.search_body = stems_for_index(article.body_text, article.language)


def _record_version(article: Article, agent: Agent | None, changed: list[str]) -> None:
    ArticleVersion.objects.create(
        workspace_id=article.workspace_id,
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        status=article.status,
        internal=article.internal,
        changed_fields=changed,
        changed_by=agent,
        changed_at=clock.now(),
    )


@transaction.atomic
def create_article(
    workspace_id: int,
    *,
    title: str,
    body: str,
    language: str,
    agent: Agent | None = None,
    category_id: int | None = None,
    status: str = Status.DRAFT,
    internal: bool = False,
    tags: Iterable[str] = (),
    related_ids: Iterable[int] = (),
    translation_of: int | None = None,
) -> Article:
    """Write a new article, or a translation of an existing one (``translation_of``: it joins
    that article's group; one article per language in a group)."""
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("an article needs a title")
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {sorted(LANGUAGES)}")
    if translation_of is not None:
        original = Article.objects.filter(workspace_id=workspace_id, pk=translation_of).first()
        if original is None:
            raise InvalidInput(f"there is no article {translation_of} to translate")
        group = original.group
        if group.articles.filter(language=language).exists():
            raise Conflict(f"article {translation_of} has a {language} version already")
    else:
        group = TranslationGroup.objects.create(workspace_id=workspace_id)
    html, text = _clean_body(body)
    now = clock.now()
    article = Article(
        workspace_id=workspace_id,
        group=group,
        category=_category(workspace_id, category_id),
        language=language,
        title=title,
        slug=_slug(title, 120),
        body=html,
        body_text=text,
        status=status,
        internal=internal,
        created_at=now,
        published_at=now if status == Status.PUBLISHED else None,
    )
    _index(article)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:  # a translation written at the same moment
        raise Conflict(f"the article has a {language} version already") from error
    article.tags.set(_tags(workspace_id, tags))
    article.related.set(_related(article, related_ids))
    _record_version(article, agent, ["created"])
    publish(ArticleSaved(workspace_id, article.pk, text_changed=True))
    return article


@transaction.atomic
def update_article(
    article: Article,
    *,
    agent: Agent | None = None,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
    internal: bool | None = None,
    category_id: int | None = None,
    clear_category: bool = False,
    tags: Iterable[str] | None = None,
    related_ids: Iterable[int] | None = None,
) -> Article:
    """Change an article: a new version when anything changed, with the fields that did.
    ``None`` leaves a field as it is; ``clear_category`` takes the article off its shelf."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    changed: list[str] = []
    if title is not None:
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("an article needs a title")
        if title != article.title:
            article.title, article.slug = title, _slug(title, 120)
            changed.append("title")
    if body is not None:
        html, text = _clean_body(body)
        if html != article.body:
            article.body, article.body_text = html, text
            changed.append("body")
    if status is not None and status != article.status:
        article.status = status
        if status == Status.PUBLISHED and article.published_at is None:
            article.published_at = clock.now()
        changed.append("status")
    if internal is not None and internal != article.internal:
        article.internal = internal
        changed.append("internal")
    if clear_category or category_id is not None:
        category = None if clear_category else _category(article.workspace_id, category_id)
        if (category.pk if category else None) != article.category_id:
            article.category = category
            changed.append("category")
    if tags is not None:
        new_tags = _tags(article.workspace_id, tags)
        if {t.pk for t in new_tags} != set(article.tags.values_list("pk", flat=True)):
            article.tags.set(new_tags)
            changed.append("tags")
    if related_ids is not None:
        new_related = _related(article, related_ids)
        if {a.pk for a in new_related} != set(article.related.values_list("pk", flat=True)):
            article.related.set(new_related)
            changed.append("related")
    if not changed:
        return article
    text_changed = "title" in changed or "body" in changed
    if text_changed:
        _index(article)
    article.version += 1
    article.save()
    _record_version(article, agent, changed)
    publish(ArticleSaved(article.workspace_id, article.pk, text_changed=text_changed))
    return article


@transaction.atomic
def delete_article(article: Article) -> None:
    """Remove an article and its versions; its translations stay, and the group goes with
    its last article."""
    group_id, workspace_id, article_id = article.group_id, article.workspace_id, article.pk
    article.delete()
    if not Article.objects.filter(group_id=group_id).exists():
        TranslationGroup.objects.filter(pk=group_id).delete()
    publish(ArticleDeleted(workspace_id, article_id))


def store_embedding(article_id: int, *, version: int, vectors: bytes, passages: list[str]) -> bool:
    """Keep the vectors computed for ``version`` of an article; an older computation that
    finishes after a newer one is dropped. False when nothing was stored."""
    stored = Article.objects.filter(pk=article_id, embedded_version__lt=version).update(
        embedding=vectors, passages=passages, embedded_version=version
    )
    return bool(stored)


def record_vote(article: Article, *, helpful: bool, language: str = "") -> None:
    """Keep a reader's "did this help?" answer about a published article."""
    ArticleVote.objects.create(
        workspace_id=article.workspace_id,
        article=article,
        helpful=helpful,
        language=language[:8],
        created_at=clock.now(),
    )


@transaction.atomic
def record_views(counts: dict[int, int]) -> None:
    """Add help-center views counted in memory (``knowledge.readership``) to their
    articles: one UPDATE an article per batch, not one write per page view. An article
    deleted since is skipped; ``updated_at`` is untouched (a view is no change)."""
    now = clock.now()
    for article_id, views in sorted(counts.items()):
        if views > 0:
            Article.objects.filter(pk=article_id).update(
                view_count=F("view_count") + views, last_viewed_at=now
            )


MAX_UNANSWERED_CHARS = 1_000


def record_unanswered(
    workspace_id: int, *, question: str, language: str = "", confidence: float = 0.0
) -> None:
    """Keep a question the bot handed over because no article answered it: the content
    report groups them by topic, the gaps to write next."""
    question = " ".join(question.split())[:MAX_UNANSWERED_CHARS]
    if question:
        UnansweredQuestion.objects.create(
            workspace_id=workspace_id,
            question=question,
            language=language[:8],
            confidence=confidence,
            created_at=clock.now(),
        )
