"""The knowledge base: articles and categories (supervisors and admins write, every agent
reads, internal articles included) and hybrid search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from sportello.accounts.models import Agent
from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.core.ids import MAX_ID, parse_id
from sportello.knowledge import actions, queries, report
from sportello.knowledge.models import Article, ArticleVersion, Category
from sportello.knowledge.search import search

router = Router(tags=["knowledge base"])

Lang = Literal["it", "en"]
ArticleStatus = Literal["draft", "published", "archived"]
RowId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
TagName = Annotated[str, Field(max_length=60)]
MAX_BODY = 200_000


class ArticleIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(max_length=MAX_BODY, description="HTML or text; sanitised when stored")
    language: Lang
    category: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    status: ArticleStatus = "draft"
    internal: StrictBool = Field(False, description="Shown to agents only, never to customers")
    tags: list[TagName] = Field([], max_length=actions.MAX_TAGS)
    related: list[RowId] = Field([], max_length=50, description="Old name of `related_ids`")
    related_ids: list[RowId] | None = Field(
        None, max_length=50, description="Articles the editor chose as related"
    )
    translation_of: StrictInt | None = Field(
        None, ge=1, le=MAX_ID, description="The article this one translates (joins its group)"
    )


class ArticlePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, max_length=MAX_BODY)
    category: StrictInt | None = Field(None, ge=1, le=MAX_ID, description="`null` removes it")
    status: ArticleStatus | None = None
    internal: StrictBool | None = None
    tags: list[TagName] | None = Field(None, max_length=actions.MAX_TAGS)
    related: list[RowId] | None = Field(
        None, max_length=50, description="Old name of `related_ids`"
    )
    related_ids: list[RowId] | None = Field(
        None, max_length=50, description="Articles the editor chose as related; `[]` clears"
    )


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    body: str
    language: str
    status: str
    internal: bool
    category: int | None
    tags: list[str]
    related: list[int] = Field(description="The same as `related_ids` (older name)")
    related_ids: list[int] = Field(description="Articles the editor chose as related")
    translations: dict[str, int] = Field(description="Language -> id, this article included")
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class ArticleDetail(ArticleOut):
    suggested_related_ids: list[int] = Field(
        description="When the editor chose no related articles (`related_ids` empty): the"
        " nearest in meaning that the help center shows in their place, best first, in the"
        " article's language where translated; `[]` when the editor chose some"
    )


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleFilters(Schema):
    status: ArticleStatus | None = None
    language: Lang | None = None
    category: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str | None = Field(None, max_length=60)
    internal: bool | None = None
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(25, ge=1, le=100)


class VersionOut(Schema):
    number: int
    title: str
    status: str
    internal: bool
    changed_fields: list[str]
    changed_by: str | None
    changed_at: datetime


class CategoryIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200, description="The name English readers see")
    slug: str = Field("", max_length=80)
    description: str = Field("", max_length=2000)
    position: StrictInt | None = Field(None, ge=0, le=1_000_000, description="Default: last")


class CategoryPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200, description='`""` removes it')
    slug: str | None = Field(None, min_length=1, max_length=80)
    description: str | None = Field(None, max_length=2000)
    position: StrictInt | None = Field(None, ge=0, le=1_000_000)


class CategoryOut(Schema):
    id: int
    name: str
    name_en: str
    slug: str
    description: str
    position: int


class SearchFilters(Schema):
    q: str = Field(min_length=1, max_length=1000, description="The question, in any words")
    lang: Lang | None = Field(None, description="Answer in this language where translated")
    limit: int = Field(10, ge=1, le=50)


class SearchHit(Schema):
    id: int
    title: str
    language: str
    category: int | None
    snippet: str
    score: float = Field(description="Reciprocal-rank fusion of full text and meaning")
    similarity: float = Field(description="Cosine of the question and the closest passage")


class SearchOut(Schema):
    language: str = Field(description="The language the question was read as ('' unknown)")
    items: list[SearchHit]


def _writer(request: HttpRequest) -> Agent:
    agent = current_agent(request)
    if not agent.can_supervise:
        raise PermissionDenied("only supervisors and admins edit the knowledge base")
    return agent


def _article(a: Article) -> dict[str, Any]:
    related = sorted(r.pk for r in a.related.all())
    return {
        "id": a.pk,
        "title": a.title,
        "slug": a.slug,
        "body": a.body,
        "language": a.language,
        "status": a.status,
        "internal": a.internal,
        "category": a.category_id,
        "tags": sorted(t.name for t in a.tags.all()),
        "related": related,  # the name before ``related_ids``, kept for older clients
        "related_ids": related,
        "translations": {t.language: t.pk for t in a.group.articles.all()},
        "version": a.version,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "published_at": a.published_at,
    }


def _category(c: Category) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "name_en": c.name_en,
        "slug": c.slug,
        "description": c.description,
        "position": c.position,
    }


def _version(v: ArticleVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "title": v.title,
        "status": v.status,
        "internal": v.internal,
        "changed_fields": v.changed_fields,
        "changed_by": v.changed_by.display_name if v.changed_by else None,
        "changed_at": v.changed_at,
    }


# --- search ------------------------------------------------------------------------------


@router.get("/search", response={200: SearchOut, 401: Error, 422: ValidationErrorOut})
def search_articles(request: HttpRequest, filters: Query[SearchFilters]):  # type: ignore[no-untyped-def]
    """Published articles answering `q`, best first: full text (stems) and meaning (sentence
    vectors, across languages) fused by rank, one per translation group, in `lang` (or the
    question's language) where a translation exists, each with the passage that matched."""
    agent = current_agent(request)
    if not filters.q.strip():
        raise InvalidInput("q: the question is empty")
    hits, language = search(
        agent.workspace_id,
        filters.q,
        language=filters.lang or "",
        include_internal=True,
        limit=filters.limit,
    )
    return {
        "language": language,
        "items": [
            {
                "id": h.article.pk,
                "title": h.article.title,
                "language": h.article.language,
                "category": h.article.category_id,
                "snippet": h.snippet,
                "score": round(h.score, 6),
                "similarity": round(h.similarity, 4),
            }
            for h in hits
        ],
    }


# --- articles ----------------------------------------------------------------------------


@router.get("/articles", response={200: ArticlePage, 401: Error, 422: ValidationErrorOut})
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):  # type: ignore[no-untyped-def]
    """Articles, newest first, filtered; `next_cursor` gives the next page."""
    agent = current_agent(request)
    found = queries.articles(
        agent.workspace_id,
        status=filters.status,
        language=filters.language,
        category_id=filters.category,
        tag=filters.tag,
        internal=filters.internal,
    )
    if filters.cursor:
        if (before := parse_id(filters.cursor)) is None:
            raise InvalidInput("the cursor is not valid; start again from the first page")
        found = found.filter(pk__lt=before)
    rows = list(found[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [_article(a) for a in rows], "next_cursor": str(rows[-1].pk) if more else None}


@router.post(
    "/articles",
    response={201: ArticleOut, 401: Error, 403: Error, 409: Error, 422: ValidationErrorOut},
)
def create_article(request: HttpRequest, payload: ArticleIn):  # type: ignore[no-untyped-def]
    """Write an article (supervisors, admins); its body is sanitised, its vectors are
    computed in the background."""
    agent = _writer(request)
    article = actions.create_article(
        agent.workspace_id,
        agent=agent,
        title=payload.title,
        body=payload.body,
        language=payload.language,
        category_id=payload.category,
        status=payload.status,
        internal=payload.internal,
        tags=payload.tags,
        related_ids=payload.related if payload.related_ids is None else payload.related_ids,
        translation_of=payload.translation_of,
    )
    return Status(201, _article(queries.get_article(agent.workspace_id, article.pk)))


@router.get("/articles/{rowid:article_id}", response={200: ArticleDetail, 401: Error, 404: Error})
def get_article(request: HttpRequest, article_id: int):  # type: ignore[no-untyped-def]
    """One article; beside the editor's related articles (`related_ids`), the ones suggested
    by meaning in their absence (`suggested_related_ids`), which the help center shows."""
    article = queries.get_article(current_agent(request).workspace_id, article_id)
    suggested, computed = queries.related_articles(article, article.language)
    return {
        **_article(article),
        "suggested_related_ids": [a.pk for a in suggested] if computed else [],
    }


@router.patch(
    "/articles/{rowid:article_id}",
    response={200: ArticleOut, 401: Error, 403: Error, 404: Error, 422: ValidationErrorOut},
)
def patch_article(request: HttpRequest, article_id: int, payload: ArticlePatch):  # type: ignore[no-untyped-def]
    """Change an article (supervisors, admins): a new version records who changed what."""
    agent = _writer(request)
    article = queries.get_article(agent.workspace_id, article_id)
    given = payload.model_fields_set
    actions.update_article(
        article,
        agent=agent,
        title=payload.title,
        body=payload.body,
        status=payload.status,
        internal=payload.internal,
        category_id=payload.category,
        clear_category="category" in given and payload.category is None,
        tags=payload.tags,
        related_ids=payload.related if payload.related_ids is None else payload.related_ids,
    )
    return _article(queries.get_article(agent.workspace_id, article_id))


@router.delete(
    "/articles/{rowid:article_id}",
    response={204: None, 401: Error, 403: Error, 404: Error},
)
def delete_article(request: HttpRequest, article_id: int):  # type: ignore[no-untyped-def]
    """Remove an article and its history (supervisors, admins); translations stay."""
    agent = _writer(request)
    actions.delete_article(queries.get_article(agent.workspace_id, article_id))
    return HttpResponse(status=204)


@router.get(
    "/articles/{rowid:article_id}/versions",
    response={200: list[VersionOut], 401: Error, 404: Error},
)
def article_versions(request: HttpRequest, article_id: int):  # type: ignore[no-untyped-def]
    """Every change to an article, latest first: who, when, which fields."""
    article = queries.get_article(current_agent(request).workspace_id, article_id)
    return [_version(v) for v in queries.versions(article)]


# --- categories --------------------------------------------------------------------------


@router.get("/categories", response={200: list[CategoryOut], 401: Error})
def list_categories(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [_category(c) for c in queries.categories(current_agent(request).workspace_id)]


@router.post(
    "/categories",
    response={201: CategoryOut, 401: Error, 403: Error, 409: Error, 422: ValidationErrorOut},
)
def create_category(request: HttpRequest, payload: CategoryIn):  # type: ignore[no-untyped-def]
    agent = _writer(request)
    category = actions.create_category(
        agent.workspace_id,
        name=payload.name,
        name_en=payload.name_en,
        slug=payload.slug,
        description=payload.description,
        position=payload.position,
    )
    return Status(201, _category(category))


@router.get("/categories/{rowid:category_id}", response={200: CategoryOut, 401: Error, 404: Error})
def get_category(request: HttpRequest, category_id: int):  # type: ignore[no-untyped-def]
    return _category(queries.get_category(current_agent(request).workspace_id, category_id))


@router.patch(
    "/categories/{rowid:category_id}",
    response={
        200: CategoryOut,
        401: Error,
        403: Error,
        404: Error,
        409: Error,
        422: ValidationErrorOut,
    },
)
def patch_category(request: HttpRequest, category_id: int, payload: CategoryPatch):  # type: ignore[no-untyped-def]
    agent = _writer(request)
    category = actions.update_category(
        queries.get_category(agent.workspace_id, category_id),
        name=payload.name,
        name_en=payload.name_en,
        slug=payload.slug,
        description=payload.description,
        position=payload.position,
    )
    return _category(category)


@router.delete(
    "/categories/{rowid:category_id}",
    response={204: None, 401: Error, 403: Error, 404: Error, 409: Error},
)
def delete_category(request: HttpRequest, category_id: int):  # type: ignore[no-untyped-def]
    """Remove an empty category (supervisors, admins); 409 while it holds articles."""
    agent = _writer(request)
    actions.delete_category(queries.get_category(agent.workspace_id, category_id))
    return HttpResponse(status=204)


# --- content report ----------------------------------------------------------------------


class ReportArticle(Schema):
    id: int
    title: str
    language: str
    status: str
    internal: bool


class ReportPair(Schema):
    first: ReportArticle
    second: ReportArticle
    similarity: float = Field(description="Cosine of the two articles' sentence vectors")
    numbers_differ: bool = Field(description="Their figures differ: they may contradict")


class ReportVotes(Schema):
    article: ReportArticle
    helpful: int
    unhelpful: int


class ReportGap(Schema):
    question: str = Field(description="The group's most central question")
    count: int
    examples: list[str]


class ReportReadability(Schema):
    article: ReportArticle
    index: Literal["gulpease", "flesch"]
    score: float = Field(description="0 (hard) to 100 (easy)")
    words: int


class ReportOut(Schema):
    duplicates: list[ReportPair]
    diverging_translations: list[ReportPair]
    never_viewed: list[ReportArticle]
    unhelpful: list[ReportVotes]
    gaps: list[ReportGap] = Field(description="Questions the bot handed over, by topic")
    readability: list[ReportReadability] = Field(description="Hardest first")


@router.get("/report", response={200: ReportOut, 401: Error, 403: Error})
def content_report(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The content quality report (supervisors, admins): near-duplicate and diverging
    articles, articles never read, unhelpful ones, the bot's unanswered questions grouped
    by topic, and readability (Gulpease for Italian, Flesch for English), hardest first."""
    return report.content_report(_writer(request).workspace_id)
