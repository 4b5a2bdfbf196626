"""The knowledge base in the agent UI: the articles suggested for a conversation's reply.

The suggestions are loaded by htmx after the conversation page (``hx-trigger="load"``),
so computing them (a sentence vector and two searches, ~10-30 ms) never delays the page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from sportello.conversations.queries import get_conversation_by_number, latest_inbound_text
from sportello.knowledge.models import Article, Status
from sportello.knowledge.queries import suggestions
from sportello.web.pages import agent_of, agent_required, vary_on_htmx

SUGGESTIONS = 3


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
