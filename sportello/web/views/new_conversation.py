"""A new outgoing conversation: an agent writes first, to a customer on file or a new
address, on any channel whose provider allows a first message (an email, an SMS, a
WhatsApp template, a Telegram bot the customer wrote to), from the inbox header, a
customer's page, or a conversation whose channel cannot send.

The page is for one channel at a time (``?channel=``), its fields as that channel's kind
asks (``channels.registry.Starting``); the others are links above it, so it works without
JavaScript. The post calls one action (``outbound.starting.start_conversation``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from sportello.channels.models import Channel
from sportello.conversations.models import Conversation
from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import InvalidInput, NotFound
from sportello.customers.models import Customer
from sportello.customers.queries import get_customer
from sportello.outbound.starting import (
    customer_address,
    sending_channels,
    start_conversation,
    starting_of,
)
from sportello.providers.whatsapp.queries import approved_channel_templates
from sportello.web.forms import NewConversationForm
from sportello.web.pages import agent_of, agent_required, render_page


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _templates(channel: Channel) -> list[tuple[str, str]]:
    """The approved templates a template-only channel offers, as the form's choices."""
    choices = []
    for t in approved_channel_templates(channel.pk):
        label = f"{t.name} ({t.language})"
        if t.placeholders:
            label += " · " + ngettext("%(count)d value", "%(count)d values", t.placeholders) % {
                "count": t.placeholders
            }
        choices.append((f"{t.name}|{t.language}", label))
    return choices


@agent_required
@require_http_methods(["GET", "POST"])
def new_email(request: HttpRequest) -> HttpResponse:
    """``/new/email/``: the email channels only."""
    return _new_conversation(request, kind="email")


@agent_required
@require_http_methods(["GET", "POST"])
def new_message(request: HttpRequest) -> HttpResponse:
    """``/new/message/``: any channel that can write first."""
    return _new_conversation(request, kind=None)


def _new_conversation(request: HttpRequest, *, kind: str | None) -> HttpResponse:
    agent = agent_of(request)
    channels = sending_channels(agent.workspace_id, kind=kind)
    source = request.POST if request.method == "POST" else request.GET
    linked: Conversation | None = None
    customer: Customer | None = None
    number = _int(source.get("from_number"))
    if number is not None:
        try:
            linked = get_conversation_by_number(agent.workspace_id, number)
        except NotFound:
            linked = None
    customer_id = _int(source.get("customer"))
    if linked is not None:
        customer = linked.customer
    elif customer_id is not None:
        try:
            customer = get_customer(agent.workspace_id, customer_id)
        except NotFound:
            customer = None
    by_id = {c.pk: c for c in channels}
    chosen = _int(source.get("channel"))
    selected = by_id.get(chosen) if chosen is not None else (channels[0] if channels else None)
    context: dict[str, Any] = {
        "channels": channels,
        "linked": linked,
        "customer": customer,
        "kind": kind,
        "selected": selected,
        "tabs": _tabs(request, channels, kind, linked, customer),
    }
    if selected is None:
        # No channel can write first, or the one asked for cannot (any more).
        status = 422 if request.method == "POST" or chosen is not None else 200
        if chosen is not None and channels:
            context["unknown_channel"] = True
        return render_page(request, "web/new_conversation.html", context, status=status)
    starting = starting_of(selected)
    options: dict[str, Any] = {
        "channels": channels,
        "selected": selected,
        "starting": starting,
        "templates": _templates(selected) if starting and starting.template_only else None,
        "auto_id": "new_%s",
    }
    if request.method == "POST":
        form = NewConversationForm(request.POST, request.FILES, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                started = start_conversation(
                    agent,
                    selected,
                    to=data["to"],
                    subject=data.get("subject") or "",
                    text=data.get("text") or "",
                    template=form.first_template(),
                    uploads=form.uploads(),
                    customer=customer,
                    linked_from=linked,
                )
            except InvalidInput as exc:
                form.add_error(None, _refusal(exc.message))
            else:
                url = reverse("web:conversation", args=[started.conversation.number])
                return redirect(url)
        status = 422
    else:
        to = source.get("to") or ""
        if not to and customer is not None and starting is not None:
            to = customer_address(starting, customer.pk) or ""
        initial: dict[str, Any] = {"to": to[:320], "channel": selected.pk}
        if linked is not None:
            initial["subject"] = linked.subject
            initial["from_number"] = linked.number
        if customer is not None:
            initial["customer"] = customer.pk
        form = NewConversationForm(initial=initial, **options)
        status = 200
    context["form"] = form
    return render_page(request, "web/new_conversation.html", context, status=status)


def _tabs(
    request: HttpRequest,
    channels: list[Channel],
    kind: str | None,
    linked: Conversation | None,
    customer: Customer | None,
) -> list[tuple[Channel, str]]:
    """Each channel with the link that opens the page for it, the customer kept."""
    path = reverse("web:new_email" if kind == "email" else "web:new_message")
    keep: dict[str, Any] = {}
    if linked is not None:
        keep["from_number"] = linked.number
    elif customer is not None:
        keep["customer"] = customer.pk
    return [(c, f"{path}?{urlencode({**keep, 'channel': c.pk})}") for c in channels]


def _refusal(message: str) -> str:
    """The action's reasons in the agent's language (it speaks English to the API)."""
    if message.endswith("belongs to another customer"):
        return _("This address belongs to another customer: write from their page.")
    if message.endswith("is not a phone number"):
        return _("This is not a phone number.")
    known = {
        "the subject is empty": _("Write a subject."),
        "the message is empty": _("Write the message."),
        "conversations cannot be started on this channel": _(
            "Conversations cannot be started on this channel."
        ),
        "the customer asked not to be contacted": _("The customer asked not to be contacted."),
    }
    return known.get(message, message)
