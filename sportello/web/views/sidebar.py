"""The sidebar's counts again, for a live page told that something changed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sportello.web.pages import agent_of, agent_required, nav_context, sidebar_counts, vary_on_htmx


@agent_required
@require_GET
def nav_views(request: HttpRequest) -> HttpResponse:
    """``web/_nav_views.html``, and the bell's count out of band; ``?current=`` the
    view the page shows (highlighted)."""
    agent = agent_of(request)
    context = {
        **nav_context(sidebar_counts(agent, fresh=True)),
        "nav_current": request.GET.get("current", ""),
        "bell_oob": True,
    }
    return vary_on_htmx(render(request, "web/_nav_views.html", context))
