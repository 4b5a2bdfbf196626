"""One conversation: its thread, the reply and note boxes, and the triage panel.

Every post calls one action. With htmx the response swaps the part that changed (the box
and the new message, or the panel with the header and thread); without JavaScript it
redirects back to the page (post/redirect/get), with any error as a flash message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts.models import Agent
from sportello.accounts.queries import workspace_agents, workspace_teams
from sportello.automation.reply_queries import macros
from sportello.channels.queries import channels_by_id
from sportello.conversations import actions
from sportello.conversations.models import Conversation, Message, Status
from sportello.conversations.queries import (
    get_conversation_by_number,
    messages_after,
    reply_channels,
    thread,
)
from sportello.core import clock
from sportello.core.errors import SportelloError
from sportello.customers.queries import get_customer
from sportello.feedback.queries import answers
from sportello.outbound.actions import send_reply
from sportello.outbound.queries import delivery_status_for
from sportello.outbound.readiness import reply_channel, sending_problem
from sportello.outbound.starting import other_ways
from sportello.sla.queries import snooze_preset_until
from sportello.web.choices import workspace_choices
from sportello.web.forms import (
    AssignForm,
    MessageForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TagsForm,
    new_reply_key,
)
from sportello.web.pages import agent_of, agent_required, htmx_target, render_page, vary_on_htmx
from sportello.web.times import relative_time, showable


def _conversation(agent: Agent, number: int) -> Conversation:
    return get_conversation_by_number(agent.workspace_id, number)


def _page_url(conversation: Conversation, anchor: str = "") -> str:
    url = reverse("web:conversation", args=[conversation.number])
    return f"{url}#{anchor}" if anchor else url


def _panel_context(
    agent: Agent, conversation: Conversation, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """The side panel and the header: the customer, and one form per triage change."""
    choices = workspace_choices(agent.workspace_id)
    snoozed_until = conversation.snoozed_until and showable(conversation.snoozed_until)
    panel_forms: dict[str, forms.Form] = {
        "assign_form": AssignForm(
            agents=choices.agents,
            teams=choices.teams,
            initial={"assignee": conversation.assignee_id, "team": conversation.team_id},
        ),
        "status_form": StatusForm(
            initial={"status": conversation.status, "snoozed_until": snoozed_until}
        ),
        "priority_form": PriorityForm(initial={"priority": conversation.priority}),
        "tags_form": TagsForm(initial={"tags": ", ".join(conversation.tag_names)}),
    }
    panel_forms.update(bound or {})
    return {
        "agent": agent,
        "conversation": conversation,
        "customer": get_customer(agent.workspace_id, conversation.customer_id),
        "macros": list(macros(agent.workspace_id)),  # the header's macro menu
        "answers": answers(agent.workspace_id, conversation_id=conversation.pk, limit=5),
        **panel_forms,
    }


def _sending_context(conversation: Conversation, via: int | None = None) -> dict[str, Any]:
    """What the reply box says before the agent writes: the channel the reply goes out on
    (in a merged conversation, ``via`` or that of the customer's latest message, and the
    others to pick from), whether it can reach the customer, and if not, the customer's
    other channels that can."""
    routes = reply_channels(conversation)
    chosen = via if via in routes.channel_ids else routes.default_id
    channel = reply_channel(conversation, chosen)
    problem = sending_problem(conversation, channel)
    ways = other_ways(conversation) if problem is not None and problem.blocking else []
    several = len(routes.channel_ids) > 1
    pickable = channels_by_id(conversation.workspace_id, routes.channel_ids) if several else []
    return {
        "sending_problem": problem,
        "other_ways": ways,
        "reply_via": channel,
        "reply_routes": pickable if len(pickable) > 1 else [],
    }


def _via(data: Any) -> int | None:
    try:
        value = int(str(data.get("channel") or ""))
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


def _thread_context(conversation: Conversation) -> dict[str, Any]:
    messages = thread(conversation)
    deliveries = delivery_status_for(
        (m.pk for m in messages if m.direction == "out" and m.kind == "message"),
        workspace_id=conversation.workspace_id,
    )
    for message in messages:
        message.delivery_state = deliveries.get(message.pk)  # type: ignore[attr-defined]
    return {"conversation": conversation, "thread": messages}


@agent_required
@require_GET
def conversation_page(request: HttpRequest, number: int) -> HttpResponse:
    """The page; for htmx's ``thread`` target (a live notification), the thread and the
    header again, and the reply box's ``seen_id`` moved to what is now shown."""
    agent = agent_of(request)
    conversation = _conversation(agent, number)
    actions.mark_read(conversation, agent)
    thread_context = _thread_context(conversation)
    seen_id = thread_context["thread"][-1].pk if thread_context["thread"] else 0
    if htmx_target(request) == "thread":
        context = {"agent": agent, **thread_context, "seen_id": seen_id}
        return vary_on_htmx(render(request, "web/conversation/_live_thread.html", context))
    context = {
        **_panel_context(agent, conversation),
        **thread_context,
        "reply_form": ReplyForm(auto_id="reply_%s"),
        "note_form": MessageForm(auto_id="note_%s"),
        "seen_id": seen_id,
        **_sending_context(conversation, _via(request.GET)),
    }
    return render_page(request, "web/conversation/page.html", context)


def _write(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    """A reply or a note: the box comes back empty and the message is appended."""
    agent = agent_of(request)
    conversation = _conversation(agent, number)
    form_class = ReplyForm if kind == "reply" else MessageForm
    form = form_class(request.POST, request.FILES, auto_id=f"{kind}_%s")
    is_htmx = htmx_target(request) is not None
    template = f"web/conversation/_{kind}_form.html"
    message = None
    newer: list[Message] = []
    if form.is_valid() and isinstance(form, ReplyForm):
        newer = _unseen(conversation, agent, form)
    if newer and isinstance(form, ReplyForm):
        return _stale_reply(request, conversation, form, newer, is_htmx=is_htmx)
    if form.is_valid():
        try:
            message = _store(kind, conversation, agent, form)
        except actions.KeyReused:
            # The box's earlier post was stored, and its text changed since: a new reply.
            data = request.POST.copy()
            data["idempotency_key"] = new_reply_key()
            form.data = data
            form.add_error(
                "text",
                _(
                    "The earlier reply from this box was already sent: reload the page to "
                    "see it, or send again to send this text as a new reply."
                ),
            )
        except SportelloError as exc:
            form.add_error("text", exc.message)
    if not is_htmx:
        if message is None:
            messages.error(request, _error_text(form))
            return redirect(_page_url(conversation))
        return redirect(_page_url(conversation, f"m{message.pk}"))
    context: dict[str, Any] = {"conversation": conversation, f"{kind}_form": form}
    if kind == "reply":
        context.update(_sending_context(conversation, _via(request.POST)))
    if message is None:
        return vary_on_htmx(render(request, template, context, status=422))
    context[f"{kind}_form"] = form_class(auto_id=f"{kind}_%s")
    context["seen_id"] = message.pk
    context["message"] = message
    context["template"] = template
    if kind == "reply" and form.cleaned_data.get("then") == "resolve":
        # Resolved with the reply: the header, the panel and the thread (with the status
        # event) are shown again out of band.
        conversation = _conversation(agent, number)
        context.update(_panel_context(agent, conversation))
        context.update(_thread_context(conversation))
        context["resolved"] = True
        context["seen_id"] = context["thread"][-1].pk
    return vary_on_htmx(render(request, "web/conversation/_written.html", context))


def _unseen(conversation: Conversation, agent: Agent, form: ReplyForm) -> list[Message]:
    """Messages in or out the agent had not seen when writing, their own excepted: a form
    without ``seen_id`` (a page from before it) is not checked."""
    seen_id = form.cleaned_data.get("seen_id")
    if seen_id is None:
        return []
    return [m for m in messages_after(conversation, seen_id) if m.sender_agent_id != agent.pk]


def _stale_reply(
    request: HttpRequest,
    conversation: Conversation,
    form: ReplyForm,
    newer: list[Message],
    *,
    is_htmx: bool,
) -> HttpResponse:
    """Not sent: the conversation moved on while the agent wrote. The box comes back with
    the text, what came since, and ``seen_id`` moved past it, so sending again sends."""
    agent = agent_of(request)
    latest = newer[-1]
    if latest.sender_agent is not None:
        who = latest.sender_agent.display_name
    else:
        who = latest.sender_name or str(conversation.customer)
    seconds = int((clock.now() - latest.created_at).total_seconds())
    if seconds < 60:
        notice = _("%(name)s replied %(seconds)d s ago.") % {
            "name": who,
            "seconds": max(seconds, 0),
        }
        if latest.direction == "in":
            notice = _("%(name)s wrote %(seconds)d s ago.") % {
                "name": who,
                "seconds": max(seconds, 0),
            }
    elif latest.direction == "in":
        notice = _("%(name)s wrote %(when)s.") % {
            "name": who,
            "when": relative_time(latest.created_at),
        }
    else:
        notice = _("%(name)s replied %(when)s.") % {
            "name": who,
            "when": relative_time(latest.created_at),
        }
    stale = {"notice": notice, "messages": newer}
    context: dict[str, Any] = {
        "conversation": conversation,
        "reply_form": form,
        "seen_id": latest.pk,
        "stale": stale,
        **_sending_context(conversation, form.cleaned_data.get("channel")),
    }
    if is_htmx:
        return vary_on_htmx(
            # 422: htmx swaps it (the page's response handling), as any refused box.
            render(request, "web/conversation/_reply_form.html", context, status=422)
        )
    thread_context = _thread_context(conversation)
    page_context = {
        **_panel_context(agent, conversation),
        **thread_context,
        **context,
        "note_form": MessageForm(auto_id="note_%s"),
    }
    return render_page(request, "web/conversation/page.html", page_context, status=409)


@transaction.atomic
def _store(kind: str, conversation: Conversation, agent: Agent, form: MessageForm) -> Message:
    """The note, or the reply (and, for "Send and resolve", the conversation resolved with
    it: both or neither)."""
    data = form.cleaned_data
    if kind == "note":
        return actions.add_note(conversation, agent, data["text"], uploads=form.uploads())
    key = data["idempotency_key"] or None  # a page from before the key: no retry safety
    message = send_reply(
        conversation,
        agent,
        data["text"],
        idempotency_key=key,
        uploads=form.uploads(),
        via=data.get("channel"),
    ).message
    if data.get("then") == "resolve" and conversation.is_active:
        actions.set_status(conversation, agent, Status.RESOLVED)
    return message


@agent_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    return _write(request, number, "reply")


@agent_required
@require_POST
def note(request: HttpRequest, number: int) -> HttpResponse:
    return _write(request, number, "note")


F = TypeVar("F", bound=forms.Form)


def _triage(
    request: HttpRequest,
    number: int,
    form_name: str,
    make_form: Callable[[Agent, Any], F],
    apply: Callable[[Conversation, Agent, F], object],
) -> HttpResponse:
    """Parse one panel form, apply it through an action, and show the result."""
    agent = agent_of(request)
    conversation = _conversation(agent, number)
    form = make_form(agent, request.POST)
    error = None
    if form.is_valid():
        try:
            apply(conversation, agent, form)
        except SportelloError as exc:
            error = exc.message
            form.add_error(None, _("The change was not saved: %(reason)s") % {"reason": error})
    else:
        error = _error_text(form)
    if htmx_target(request) is None:
        if error:
            messages.error(request, error)
        return redirect(_page_url(conversation))
    # Read it again: the actions changed it, tags included, and added timeline events.
    conversation = _conversation(agent, number)
    context = {
        **_panel_context(agent, conversation, {form_name: form} if error else None),
        **_thread_context(conversation),
    }
    return vary_on_htmx(
        render(request, "web/conversation/_triaged.html", context, status=422 if error else 200)
    )


def _error_text(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@agent_required
@require_POST
def assign(request: HttpRequest, number: int) -> HttpResponse:
    def make_form(agent: Agent, data: Any) -> AssignForm:
        return AssignForm(
            data,
            agents=workspace_agents(agent.workspace_id),
            teams=workspace_teams(agent.workspace_id),
        )

    def apply(conversation: Conversation, agent: Agent, form: AssignForm) -> None:
        actions.assign(conversation, agent, **form.changes())

    return _triage(request, number, "assign_form", make_form, apply)


@agent_required
@require_POST
def set_status(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, agent: Agent, form: StatusForm) -> None:
        until = form.cleaned_data["snoozed_until"]
        if form.cleaned_data.get("preset"):
            until = snooze_preset_until(
                agent.workspace_id, form.cleaned_data["preset"], clock.now()
            )
        actions.set_status(conversation, agent, form.cleaned_data["status"], snoozed_until=until)

    return _triage(request, number, "status_form", lambda _a, data: StatusForm(data), apply)


@agent_required
@require_POST
def set_priority(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, agent: Agent, form: PriorityForm) -> None:
        actions.set_priority(conversation, agent, form.cleaned_data["priority"])

    return _triage(request, number, "priority_form", lambda _a, data: PriorityForm(data), apply)


@agent_required
@require_POST
def set_tags(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, agent: Agent, form: TagsForm) -> None:
        actions.set_tags(conversation, agent, form.names())

    return _triage(request, number, "tags_form", lambda _a, data: TagsForm(data), apply)
