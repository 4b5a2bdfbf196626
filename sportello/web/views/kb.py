"""The knowledge base in the agent UI: the articles suggested for a conversation's reply,
the articles' list and editor (supervisors and admins write), and the content report.

The suggestions are loaded by htmx after the conversation page (``hx-trigger="load"``),
so computing them (a sentence vector and two searches, ~10-30 ms) never delays the page.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from sportello.conversations.queries import get_conversation_by_number, latest_inbound_text
from sportello.core.errors import NotFound, SportelloError
from sportello.core.ids import parse_id
from sportello.knowledge import actions, queries, report
from sportello.knowledge.models import Article, Language, Status
from sportello.knowledge.queries import suggestions
from sportello.web.pages import agent_of, agent_required, render_page, vary_on_htmx

SUGGESTIONS = 3
ARTICLES_PER_PAGE = 100


def public_url(request: HttpRequest, workspace_slug: str, article: Article) -> str:
    """The help-center address a customer can open, absolute (it goes into a reply); ""
    for an article customers cannot read (internal, not published)."""
    if article.internal or article.status != Status.PUBLISHED:
        return ""
    try:
        path = reverse(
            "portal:article", args=[workspace_slug, article.language, article.pk, article.slug]
        )
    except NoReverseMatch:
        return ""
    return request.build_absolute_uri(path)


@agent_required
@require_GET
def assist(request: HttpRequest, number: int) -> HttpResponse:
    """Up to three articles answering the customer's latest message, each with the passage
    that matched and the text "Insert" puts into the reply box (passage, then link)."""
    agent = agent_of(request)
    conversation = get_conversation_by_number(agent.workspace_id, number)
    text = latest_inbound_text(conversation.pk)
    items: list[dict[str, Any]] = []
    for hit in suggestions(agent.workspace_id, text, limit=SUGGESTIONS):
        url = public_url(request, agent.workspace.slug, hit.article)
        items.append(
            {
                "article": hit.article,
                "passage": hit.snippet,
                "url": url,
                "insert": "\n\n".join(part for part in (hit.snippet, url) if part),
            }
        )
    context = {"conversation": conversation, "items": items, "asked": bool(text.strip())}
    return vary_on_htmx(render(request, "web/kb/_assist_results.html", context))


# --- the articles: list, editor, report ----------------------------------------------------


class ArticleForm(forms.Form):
    """What the editor types; the rules (sanitising, one article per language in a group)
    live in the knowledge base's actions."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 16, "data-kb-body": ""}),
        help_text=gettext_lazy(
            "HTML is allowed; scripts and unsafe markup are removed when saved."
        ),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Status.choices)
    internal = forms.BooleanField(
        label=gettext_lazy("Internal: for agents only, never shown to customers"), required=False
    )
    tags = forms.CharField(label=gettext_lazy("Tags"), required=False, max_length=1_000)
    translation_of = forms.TypedChoiceField(
        label=gettext_lazy("Translation of"), required=False, coerce=int, empty_value=None
    )
    related = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Related articles"),
        required=False,
        coerce=int,
        help_text=gettext_lazy(
            "Shown under the article in the help center. None chosen: the closest in"
            " meaning are suggested."
        ),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(
        self, *args: Any, workspace_id: int, article: Article | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", gettext_lazy("No category"))] + [
            (c.pk, c.name) for c in queries.categories(workspace_id)
        ]
        related = self.fields["related"]
        assert isinstance(related, forms.ChoiceField)
        others = queries.articles(workspace_id).only("pk", "title", "language", "group")
        if article is not None:
            others = others.exclude(group_id=article.group_id)
        related.choices = [(a.pk, f"{a.title} ({a.language})") for a in others[:500]]
        if article is None:
            original = self.fields["translation_of"]
            assert isinstance(original, forms.ChoiceField)
            original.choices = [("", gettext_lazy("None: a new article"))] + [
                (a.pk, f"{a.title} ({a.language})")
                for a in queries.articles(workspace_id).only("pk", "title", "language")[:500]
            ]
        else:
            del self.fields["translation_of"]
            # A language is the article's place in its group: a translation is a new one.
            self.fields["language"].disabled = True
            self.fields["language"].initial = article.language

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


_BLOCK_END = re.compile(r"(</(?:p|h[1-6]|ul|ol|li|blockquote|pre|table|tr|figure)>)(?!\n)")


def _readable_html(html: str) -> str:
    """The stored HTML with a line break after each block, to edit by hand."""
    return _BLOCK_END.sub("\\1\n", html)


def _forbidden(request: HttpRequest, nav: str = "kb") -> HttpResponse:
    return render_page(request, "web/kb/forbidden.html", {"nav_current": nav}, status=403)


@agent_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """The workspace's articles, filtered by words of the title, status, language,
    category and audience; every agent reads it, supervisors edit."""
    agent = agent_of(request)
    status = request.GET.get("status", "")
    language = request.GET.get("language", "")
    audience = request.GET.get("audience", "")
    category = parse_id(request.GET.get("category", ""))
    words = " ".join(request.GET.get("q", "").split())[:200]
    found = queries.articles(
        agent.workspace_id,
        status=status if status in Status.values else None,
        language=language if language in Language.values else None,
        category_id=category,
        internal={"internal": True, "public": False}.get(audience),
    )
    if words:
        found = found.filter(title__icontains=words)
    rows = list(found.select_related("category")[: ARTICLES_PER_PAGE + 1])
    context = {
        "nav_current": "kb",
        "rows": rows[:ARTICLES_PER_PAGE],
        "more": len(rows) > ARTICLES_PER_PAGE,
        "categories": queries.categories(agent.workspace_id),
        "statuses": Status.choices,
        "languages": Language.choices,
        "chosen": {
            "q": words,
            "status": status,
            "language": language,
            "audience": audience,
            "category": category,
        },
        "can_edit": agent.can_supervise,
    }
    return render_page(request, "web/kb/list.html", context)


def _save(request: HttpRequest, agent: Any, form: ArticleForm, article: Article | None) -> Article:
    data = form.cleaned_data
    if article is None:
        return actions.create_article(
            agent.workspace_id,
            agent=agent,
            title=data["title"],
            body=data["body"],
            language=data["language"],
            category_id=data["category"],
            status=data["status"],
            internal=data["internal"],
            tags=form.tag_names(),
            translation_of=data["translation_of"],
            related_ids=data["related"],
        )
    # The editor shows the body with line breaks added: sent back as shown, it is unchanged.
    body = data["body"].replace("\r\n", "\n")
    unchanged = body.strip() == _readable_html(article.body).strip()
    return actions.update_article(
        article,
        agent=agent,
        title=data["title"],
        body=None if unchanged else body,
        status=data["status"],
        internal=data["internal"],
        category_id=data["category"],
        clear_category=data["category"] is None,
        tags=form.tag_names(),
        related_ids=data["related"],
    )


def _editor(request: HttpRequest, article: Article | None) -> HttpResponse:
    agent = agent_of(request)
    if not agent.can_supervise:
        return _forbidden(request)
    form_kwargs: dict[str, Any] = {"workspace_id": agent.workspace_id, "article": article}
    status = 200
    if request.method == "POST":
        form = ArticleForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                saved = _save(request, agent, form, article)
            except SportelloError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Article saved."))
                return redirect("web:kb_article", saved.pk)
        status = 422
    elif article is not None:
        form = ArticleForm(
            initial={
                "title": article.title,
                "body": _readable_html(article.body),
                "language": article.language,
                "category": article.category_id,
                "status": article.status,
                "internal": article.internal,
                "tags": ", ".join(t.name for t in article.tags.all()),
                "related": [r.pk for r in article.related.all()],
            },
            **form_kwargs,
        )
    else:
        form = ArticleForm(
            initial={
                "language": request.GET.get("language") or translation.get_language() or "it",
                "status": Status.DRAFT,
                "translation_of": parse_id(request.GET.get("translation_of", "")),
            },
            **form_kwargs,
        )
    context: dict[str, Any] = {"nav_current": "kb", "form": form, "article": article}
    if article is not None:
        context["translations"] = queries.translations(article)
        context["versions"] = list(queries.versions(article).select_related("changed_by")[:50])
        for version in context["versions"]:
            version.changed_text = ", ".join(  # type: ignore[attr-defined]
                str(_CHANGED.get(name, name)) for name in version.changed_fields
            )
        context["missing_languages"] = [
            (code, label)
            for code, label in Language.choices
            if code != article.language
            and code not in {t.language for t in context["translations"]}
        ]
        context["public_url"] = public_url(request, agent.workspace.slug, article)
        chosen = list(article.related.only("pk", "title", "language", "status"))
        context["related"] = chosen
        context["related_suggested"] = (
            [] if chosen else queries.related_articles(article, article.language)[0]
        )
    return render_page(request, "web/kb/editor.html", context, status=status)


@agent_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@agent_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    agent = agent_of(request)
    return _editor(request, queries.get_article(agent.workspace_id, article_id))


@agent_required
@require_GET
def content_report(request: HttpRequest) -> HttpResponse:
    """The content quality report, for supervisors and admins."""
    agent = agent_of(request)
    if not agent.can_supervise:
        return _forbidden(request, "kb_report")
    context = {"nav_current": "kb", "report": report.content_report(agent.workspace_id)}
    return render_page(request, "web/kb/report.html", context)


# --- categories ------------------------------------------------------------------------


class CategoryForm(forms.Form):
    """One row of the categories page: what to do, to which category, with which names."""

    do = forms.ChoiceField(choices=[(v, v) for v in ("create", "rename", "up", "down", "delete")])
    category = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    name = forms.CharField(label=gettext_lazy("Name (Italian)"), max_length=200, required=False)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        do = data.get("do")
        if do in ("create", "rename") and not (data.get("name") or "").strip():
            self.add_error("name", _("A category needs a name."))
        if do and do != "create" and not data.get("category"):
            self.add_error(None, _("Choose a category."))
        return data


@agent_required
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The help center's shelves, in order: add, rename (Italian and English names),
    move up or down, delete an empty one (supervisors and admins)."""
    agent = agent_of(request)
    if not agent.can_supervise:
        return _forbidden(request)
    status = 200
    form = CategoryForm()
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _change_category(agent.workspace_id, data)
            except NotFound:
                raise
            except SportelloError as error:
                messages.error(request, error.message)
            return redirect("web:kb_categories")
        status = 422
    counts = queries.category_counts(agent.workspace_id)
    rows = [
        {"category": c, "articles_text": _articles_text(counts.get(c.pk, 0))}
        for c in queries.categories(agent.workspace_id)
    ]
    context = {"nav_current": "kb", "rows": rows, "form": form}
    return render_page(request, "web/kb/categories.html", context, status=status)


def _change_category(workspace_id: int, data: dict[str, Any]) -> None:
    if data["do"] == "create":
        actions.create_category(workspace_id, name=data["name"], name_en=data["name_en"])
        return
    category = queries.get_category(workspace_id, data["category"])
    if data["do"] == "rename":
        actions.update_category(category, name=data["name"], name_en=data["name_en"])
    elif data["do"] == "delete":
        actions.delete_category(category)
    else:
        actions.move_category(category, -1 if data["do"] == "up" else 1)


# What an article version says changed (``knowledge.actions.update_article``'s names).
_CHANGED = {
    "created": gettext_lazy("created"),
    "title": gettext_lazy("title"),
    "body": gettext_lazy("text"),
    "status": gettext_lazy("status"),
    "internal": gettext_lazy("internal"),
    "category": gettext_lazy("category"),
    "tags": gettext_lazy("tags"),
    "related": gettext_lazy("related articles"),
}


def _articles_text(count: int) -> str:
    return ngettext("%(num)d article", "%(num)d articles", count) % {"num": count}
