"""The public help center: server-rendered pages per workspace and language, no sign-in.

Customers read published, non-internal articles only. Each page is plain HTML with a
search form that works without JavaScript; links carry ``hreflang`` and pages their
canonical and alternate-language URLs, so search engines index each language once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_POST

from sportello.core.errors import NotFound
from sportello.core.models import Workspace
from sportello.knowledge import actions, queries, readership
from sportello.knowledge.models import Article
from sportello.knowledge.search import Hit, search

LANGUAGES = {"it": "Italiano", "en": "English"}
MAX_QUESTION = 1000
RESULTS = 20


def _workspace(slug: str, lang: str | None = None) -> Workspace:
    if lang is not None and lang not in LANGUAGES:
        raise Http404("no help center in this language")
    workspace = queries.help_center_workspace(slug)
    if workspace is None:
        raise Http404("no help center here")
    return workspace


def _article_url(workspace: Workspace, article: Article, lang: str) -> str:
    kwargs = {"workspace": workspace.slug, "lang": lang, "article_id": article.pk}
    if article.slug:
        kwargs["slug"] = article.slug
    return reverse("portal:article", kwargs=kwargs)


def _page(
    request: HttpRequest,
    template: str,
    workspace: Workspace,
    lang: str,
    alternates: dict[str, str],
    **context: Any,
) -> HttpResponse:
    """Render in the page's language; ``alternates`` maps each language to this page's URL
    in it (the language switch, and ``hreflang`` links for search engines)."""
    with translation.override(lang):
        response = render(
            request,
            template,
            {
                "workspace": workspace,
                "lang": lang,
                "languages": LANGUAGES,
                "alternates": alternates,
                "home_url": reverse("portal:home", args=[workspace.slug, lang]),
                "search_url": reverse("portal:search", args=[workspace.slug, lang]),
                "article_url": lambda article: _article_url(workspace, article, lang),
                **context,
            },
        )
    response.headers["Content-Language"] = lang
    return response


def _same_page(name: str, workspace: Workspace, *args: Any) -> dict[str, str]:
    return {code: reverse(name, args=[workspace.slug, code, *args]) for code in LANGUAGES}


def choose_language(request: HttpRequest, workspace: str) -> HttpResponse:
    """The help center in the reader's language (their browser's, else the business's)."""
    found = _workspace(workspace)
    wanted = translation.get_language_from_request(request)[:2]
    lang = wanted if wanted in LANGUAGES else found.language
    return HttpResponseRedirect(reverse("portal:home", args=[found.slug, lang]))


def home(request: HttpRequest, workspace: str, lang: str) -> HttpResponse:
    """The categories with their articles, and the search form first."""
    found = _workspace(workspace, lang)
    shelf = queries.public_shelf(found.pk, lang)
    categories = list(queries.categories(found.pk))
    by_category: dict[int | None, list[Article]] = {}
    for article in shelf:
        by_category.setdefault(article.category_id, []).append(article)
    sections = [(c, by_category[c.pk]) for c in categories if c.pk in by_category]
    return _page(
        request,
        "portal/home.html",
        found,
        lang,
        _same_page("portal:home", found),
        sections=sections,
        uncategorised=by_category.get(None, []),
    )


def category_page(request: HttpRequest, workspace: str, lang: str, category: str) -> HttpResponse:
    found = _workspace(workspace, lang)
    shelf = queries.categories(found.pk).filter(slug=category).first()
    if shelf is None:
        raise Http404("no such category")
    articles = [a for a in queries.public_shelf(found.pk, lang) if a.category_id == shelf.pk]
    return _page(
        request,
        "portal/category.html",
        found,
        lang,
        _same_page("portal:category", found, shelf.slug),
        category=shelf,
        articles=articles,
    )


def article_page(
    request: HttpRequest, workspace: str, lang: str, article_id: int, slug: str = ""
) -> HttpResponse:
    found = _workspace(workspace, lang)
    try:
        article = queries.public_article(found.pk, article_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    canonical = _article_url(found, article, lang)
    if slug != article.slug:  # an old or missing slug: one address per article
        return HttpResponseRedirect(canonical, status=301)
    readership.note_view(article.pk)
    translations = queries.public_translations(article)
    alternates = {lang: canonical}
    alternates.update({t.language: _article_url(found, t, t.language) for t in translations})
    for code in LANGUAGES:
        alternates.setdefault(code, reverse("portal:home", args=[found.slug, code]))
    return _page(
        request,
        "portal/article.html",
        found,
        lang,
        alternates,
        article=article,
        canonical=canonical,
        translated={t.language for t in translations},
        related=queries.related_articles(article, lang)[0],
        voted=request.GET.get("voted") == "1",
        updated=format_date(article.updated_at, format="long", locale=lang),
        description=" ".join(article.body_text.split())[:160],
    )


def search_page(request: HttpRequest, workspace: str, lang: str) -> HttpResponse:
    """Results for the reader's question, best first, each with the passage that matched.
    An over-long question is cut rather than refused: a customer should see answers."""
    found = _workspace(workspace, lang)
    question = " ".join(request.GET.get("q", "").split())[:MAX_QUESTION]
    hits: list[Hit] = []
    if question:
        hits, _ = search(found.pk, question, language=lang, include_internal=False, limit=RESULTS)
    alternates = {
        code: f"{url}?{urlencode({'q': question})}" if question else url
        for code, url in _same_page("portal:search", found).items()
    }
    return _page(
        request,
        "portal/search.html",
        found,
        lang,
        alternates,
        question=question,
        hits=hits,
    )


@require_POST
def vote(request: HttpRequest, workspace: str, lang: str, article_id: int) -> HttpResponse:
    """ "Did this help?": kept, then back to the article, which thanks the reader (a plain
    form post and a redirect, so it works without JavaScript and is not sent twice)."""
    found = _workspace(workspace, lang)
    try:
        article = queries.public_article(found.pk, article_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    answer = request.POST.get("helpful")
    if answer in {"yes", "no"}:
        actions.record_vote(article, helpful=answer == "yes", language=lang)
    return HttpResponseRedirect(f"{_article_url(found, article, lang)}?voted=1#feedback")
