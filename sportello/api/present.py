"""Model instances -> API response dictionaries (the read side of the handlers)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse

from sportello.audit.models import AuditEntry
from sportello.conversations.models import Conversation, Message
from sportello.conversations.queries import reply_channels_of
from sportello.customers import lifecycle_reasons
from sportello.customers.models import Consent, Customer, Order
from sportello.outbound.queries import DeliveryState


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        # As pydantic writes it: ISO 8601, UTC as "Z".
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def answer(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """The presenters' dictionary as the JSON response, without validating it again.

    django-ninja validates a returned dict against the operation's schema on every call,
    which costs more than the queries of an inbox page. The presenters build exactly the
    schema's shape, the most-read handlers answer with this, and the API tests validate
    these answers against their schemas instead (``tests/api/test_schema_answers.py``)."""
    body = json.dumps(data, default=_json_value, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), status=status, content_type="application/json")


def customer(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "organization": c.organization.name if c.organization is not None else None,
        "language": c.language,
        "custom_fields": c.custom_fields,
        "identities": [
            {"kind": i.kind, "value": i.value, "unverified": i.unverified, "source": i.source}
            for i in c.identities.all()
        ],
        "conversation_count": c.conversation_count,
        "last_contact_at": c.last_contact_at,
        "created_at": c.created_at,
        "no_automatic_replies": c.no_automatic_replies,
        "erased_at": c.erased_at,
        "lifecycle_stage": c.lifecycle_stage,
        "lifecycle_changed_at": c.lifecycle_changed_at,
        "lifecycle_reason": lifecycle_reasons.english(c.lifecycle_reason),
        "do_not_contact": c.do_not_contact,
        "segment": c.segment,
        "segment_changed_at": c.segment_changed_at,
    }


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


def conversation_summary(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "subject": c.subject,
        "status": c.status,
        "priority": c.priority,
        "customer": {"id": c.customer.pk, "name": c.customer.name},
        "channel": {
            "id": c.channel.pk,
            "slug": c.channel.slug,
            "kind": c.channel.kind,
            "name": c.channel.name,
        },
        "assignee": (
            {"id": c.assignee.pk, "display_name": c.assignee.display_name} if c.assignee else None
        ),
        "team": {"id": c.team.pk, "name": c.team.name} if c.team else None,
        "tags": c.tag_names,
        "language": c.language,
        "preview": c.preview,
        "message_count": c.message_count,
        "first_reply_at": c.first_reply_at,
        "waiting_since": c.waiting_since,
        "last_message_at": c.last_message_at,
        "created_at": c.created_at,
    }


def delivery(state: DeliveryState | None) -> dict[str, Any] | None:
    return None if state is None else {**asdict(state), "latest": state.latest}


def message(m: Message, delivery_state: DeliveryState | None = None) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "direction": m.direction,
        "text": m.text,
        "html": m.html,
        "sender_name": m.sender_name,
        "sender_agent_id": m.sender_agent_id,
        "sender_customer_id": m.sender_customer_id,
        "external_id": m.external_id,
        "event": m.event,
        "data": m.data,
        "attachments": m.attachments,
        "language": m.language,
        "sent_at": m.sent_at,
        "received_at": m.received_at,
        "created_at": m.created_at,
        "delivery": delivery(delivery_state),
    }


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
