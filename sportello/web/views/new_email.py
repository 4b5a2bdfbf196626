"""A new outgoing email: an agent writes first, to a customer on file or a new address,
from the inbox header, a customer's page, or a conversation whose channel cannot send.

The post calls one action (``outbound.starting.start_conversation``): the customer and
identity found or created, the conversation opened, the email queued as any reply.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sportello.conversations.models import Conversation
from sportello.conversations.queries import get_conversation_by_number
from sportello.core.errors import InvalidInput, NotFound
from sportello.customers.models import Customer
from sportello.customers.queries import first_identity_value, get_customer
from sportello.outbound.starting import sending_channels, start_conversation
from sportello.web.forms import NewEmailForm
from sportello.web.pages import agent_of, agent_required, render_page


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@agent_required
@require_http_methods(["GET", "POST"])
def new_email(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    channels = sending_channels(agent.workspace_id)
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
    if request.method == "POST":
        form = NewEmailForm(request.POST, request.FILES, channels=channels, auto_id="email_%s")
        if form.is_valid():
            data = form.cleaned_data
            try:
                started = start_conversation(
                    agent,
                    form.channels[data["channel"]],
                    to=data["to"],
                    subject=data["subject"],
                    text=data["text"],
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
        if not to and customer is not None:
            to = first_identity_value(customer.pk, "email") or ""
        initial: dict[str, Any] = {"to": to[:320]}
        channel_id = _int(source.get("channel"))
        if channel_id in {c.pk for c in channels}:
            initial["channel"] = channel_id
        if linked is not None:
            initial["subject"] = linked.subject
            initial["from_number"] = linked.number
        if customer is not None:
            initial["customer"] = customer.pk
        form = NewEmailForm(initial=initial, channels=channels, auto_id="email_%s")
        status = 200
    context = {"form": form, "channels": channels, "linked": linked, "customer": customer}
    return render_page(request, "web/new_email.html", context, status=status)


def _refusal(message: str) -> str:
    """The action's reasons in the agent's language (it speaks English to the API)."""
    if message.endswith("belongs to another customer"):
        return _("This address belongs to another customer: write from their page.")
    known = {
        "the subject is empty": _("Write a subject."),
        "the message is empty": _("Write the message."),
        "conversations cannot be started on this channel": _(
            "Conversations cannot be started on this channel."
        ),
    }
    return known.get(message, message)
