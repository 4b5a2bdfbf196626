"""An agent's notifications (what a rule's ``notify`` told them): the bell in the sidebar
counts the unread ones; the page lists the latest, newest first; opening one marks it
read and goes to its conversation; "mark all read" empties the bell."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from sportello.automation.rules import actions, queries
from sportello.core.errors import NotFound
from sportello.web.pages import agent_of, agent_required, forget_sidebar_counts, render_page


@agent_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    forget_sidebar_counts(agent)  # the bell counts what the page lists
    found = queries.agent_notifications(agent.pk)
    numbers = queries.conversation_numbers(
        agent.workspace_id, {n.conversation_id for n in found if n.conversation_id}
    )
    rows = [
        {
            "notification": n,
            "number": numbers.get(n.conversation_id) if n.conversation_id else None,
        }
        for n in found
    ]
    return render_page(
        request,
        "web/notifications/list.html",
        {"nav_current": "notifications", "rows": rows},
    )


@agent_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the agent's notification read and show its conversation (the list when it
    names none, or no longer exists)."""
    agent = agent_of(request)
    found = queries.agent_notifications_by_id(agent.pk, [notification_id])
    if not found:
        raise NotFound("no such notification")
    actions.mark_notifications_read(agent.pk, [notification_id])
    forget_sidebar_counts(agent)
    conversation_id = found[0].conversation_id
    numbers = queries.conversation_numbers(
        agent.workspace_id, {conversation_id} if conversation_id else set()
    )
    if conversation_id in numbers:
        return redirect("web:conversation", number=numbers[conversation_id])
    return redirect("web:notifications")


@agent_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    actions.mark_notifications_read(agent.pk)
    forget_sidebar_counts(agent)
    return redirect(reverse("web:notifications"))
