"""What every agent page shares: access, the sidebar, and htmx-aware responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from sportello.accounts.models import Agent
from sportello.automation.rules.queries import unread_count
from sportello.conversations.filters import VIEWS
from sportello.conversations.queries import COUNT_CAP, view_counts
from sportello.core.errors import NotFound
from sportello.web.forms import VIEW_LABELS

View = Callable[..., HttpResponse]
# A session mark: the workspace requires two-factor authentication and this agent has none
# yet (``views.two_factor.mark_enrolment``); every page but these leads to enrolment.
ENROL = "two_factor_enrol"
ENROLMENT_PAGES = frozenset(
    {"profile", "change_password", "two_factor_start", "two_factor_confirm"}
)


def agent_of(request: HttpRequest) -> Agent:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return agent


def agent_required(view: View) -> View:
    """Signed in, with an agent profile (set by ``AgentLocaleMiddleware``); else the login
    page, or a 403 page for a login that is nobody's agent. ``NotFound`` becomes a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "agent", None) is None:
            return render(request, "web/403.html", status=403)
        if request.session.get(ENROL) and (
            request.resolver_match is None or request.resolver_match.url_name not in ENROLMENT_PAGES
        ):
            return redirect(reverse("web:profile") + "#two-factor")
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped


def htmx_target(request: HttpRequest) -> str | None:
    """The id of the element an htmx request will swap, or ``None`` for a whole page."""
    if request.headers.get("HX-Request") != "true":
        return None
    if request.headers.get("HX-History-Restore-Request") == "true":
        return None
    return request.headers.get("HX-Target") or ""


BELL = "notifications"


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A whole page: ``context`` plus the sidebar's views and their counts."""
    agent = agent_of(request)
    context = {"agent": agent, **nav_context(sidebar_counts(agent)), **context}
    return vary_on_htmx(render(request, template, context, status=status))


def nav_context(counts: dict[str, int]) -> dict[str, Any]:
    """The sidebar's views with their counts (``web/_nav_views.html``)."""
    inbox = reverse("web:inbox")
    return {
        "nav_views": [
            (view, VIEW_LABELS[view], counts[view], f"{inbox}?view={view}") for view in VIEWS
        ],
        "count_cap": COUNT_CAP,
        "bell_count": counts.get(BELL, 0),
    }


def sidebar_counts(agent: Agent, *, fresh: bool = False) -> dict[str, int]:
    """The views' counts for the sidebar and the bell's (``BELL``), counted at most every
    ``SIDEBAR_COUNTS_SECONDS`` per agent: the seven bounded counts cost more than the rest
    of an inbox page, and a badge a few seconds old misleads nobody (the lists are live).
    ``fresh``: counted now (a live page was told something changed)."""
    key = _counts_key(agent)
    counts: dict[str, int] | None = None if fresh else cache.get(key)
    if counts is None:
        counts = {**view_counts(agent.workspace_id, agent), BELL: unread_count(agent.pk)}
        cache.set(key, counts, settings.SIDEBAR_COUNTS_SECONDS)
    return counts


def _counts_key(agent: Agent) -> str:
    return f"sidebar-counts:{agent.workspace_id}:{agent.pk}"


def forget_sidebar_counts(agent: Agent) -> None:
    """The agent changed what a count shows (read their notifications): count next time."""
    cache.delete(_counts_key(agent))


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
