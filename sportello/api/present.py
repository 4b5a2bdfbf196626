"""Model instances -> API response dictionaries (the read side of the handlers)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponse

from sportello.audit.models import AuditEntry
from sportello.conversations import shapes
from sportello.conversations.models import Conversation, Message
from sportello.conversations.queries import reply_channels_of
from sportello.conversations.shapes import conversation_summary
from sportello.core import jsontext
from sportello.customers.models import Consent, Customer, Order
from sportello.customers.shapes import customer
from sportello.outbound.queries import DeliveryState

# The shapes integrations read, shared with the webhooks: ``present.customer`` and
# ``present.conversation_summary`` are those of the app that owns the model.
__all__ = ["answer", "conversation_summary", "customer", "message"]


def answer(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """The presenters' dictionary as the JSON response, without validating it again.

    django-ninja validates a returned dict against the operation's schema on every call,
    which costs more than the queries of an inbox page. The presenters build exactly the
    schema's shape, the most-read handlers answer with this, and the API tests validate
    these answers against their schemas instead (``tests/api/test_schema_answers.py``)."""
    body = jsontext.dumps(data).encode()
    return HttpResponse(body, status=status, content_type="application/json")


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "at": e.at,
        "actor": {"kind": e.actor_kind, "agent_id": e.actor_agent_id, "name": e.actor_name},
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "detail": e.detail,
        "ip": e.ip,
    }


def delivery(state: DeliveryState | None) -> dict[str, Any] | None:
    return None if state is None else {**asdict(state), "latest": state.latest}


def message(m: Message, delivery_state: DeliveryState | None = None) -> dict[str, Any]:
    return {**shapes.message(m), "delivery": delivery(delivery_state)}


def conversation_detail(
    c: Conversation,
    customer_obj: Customer,
    messages: list[Message],
    deliveries: dict[int, DeliveryState],
) -> dict[str, Any]:
    return {
        **conversation_summary(c),
        "customer_detail": customer(customer_obj),
        "snoozed_until": c.snoozed_until,
        "resolved_at": c.resolved_at,
        "first_reply_due_at": c.first_reply_due_at,
        "first_reply_sla": c.first_reply_sla,
        "next_reply_due_at": c.next_reply_due_at,
        "next_reply_sla": c.next_reply_sla,
        "resolution_due_at": c.resolution_due_at,
        "resolution_sla": c.resolution_sla,
        "messages": [message(m, deliveries.get(m.pk)) for m in messages],
        **_reply_channels(c, messages),
    }


def _reply_channels(c: Conversation, messages: list[Message]) -> dict[str, Any]:
    pairs = [(m.channel_id, m.direction) for m in reversed(messages) if m.kind == "message"]
    routes = reply_channels_of(c, pairs)
    return {"reply_channel_ids": routes.channel_ids, "reply_channel_id": routes.default_id}


def order(o: Order) -> dict[str, Any]:
    return {
        "id": o.pk,
        "customer_id": o.customer_id,
        "number": o.number,
        "total": f"{o.total:.2f}",
        "currency": o.currency,
        "status": o.status,
        "placed_at": o.placed_at,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def consent(c: Consent) -> dict[str, Any]:
    return {
        "purpose": c.purpose,
        "channel_kind": c.channel_kind,
        "granted": c.granted,
        "source": c.source,
        "by": c.by_name,
        "at": c.at,
    }
