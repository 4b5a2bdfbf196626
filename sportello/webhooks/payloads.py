"""What a delivery's body says: the envelope every event shares and, in ``data``, the
objects it is about in the shapes the REST API answers with (``api.present``, a floor
above, cannot be imported here: tests/webhooks/test_payloads.py holds the two equal).

The objects are read when the event's deliveries are made, right after the write that
published it committed: ``data`` is the object as it was then, and the event's own fields
(``old_status``, ``is_first_reply``...) say what changed.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sportello.conversations.models import Conversation, Message
from sportello.conversations.queries import get_conversation
from sportello.core.models import Workspace
from sportello.customers import lifecycle_reasons
from sportello.customers.models import Customer
from sportello.customers.queries import get_customer


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def body_of(envelope: dict[str, Any]) -> str:
    """The exact text posted and signed (UTC times as ``...Z``, as the API writes them)."""
    return json.dumps(envelope, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def envelope(
    workspace: Workspace, event_type: str, event_id: str, occurred_at: datetime, data: dict
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "occurred_at": occurred_at,
        "workspace": {"id": workspace.pk, "slug": workspace.slug, "name": workspace.name},
        "data": data,
    }


def conversation(c: Conversation) -> dict[str, Any]:
    """As ``GET /api/v1/conversations`` lists it."""
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


def message(m: Message) -> dict[str, Any]:
    """As a conversation's ``messages`` in the API, without the delivery state (a reply's
    delivery has only begun when its event is published)."""
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
    }


def customer(c: Customer) -> dict[str, Any]:
    """As ``GET /api/v1/customers/{id}`` answers."""
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


def conversation_data(workspace_id: int, conversation_id: int) -> dict[str, Any]:
    return {"conversation": conversation(get_conversation(workspace_id, conversation_id))}


def message_data(workspace_id: int, conversation_id: int, message_id: int) -> dict[str, Any]:
    found = Message.objects.get(workspace_id=workspace_id, pk=message_id)
    return {**conversation_data(workspace_id, conversation_id), "message": message(found)}


def customer_data(workspace_id: int, customer_id: int) -> dict[str, Any]:
    return {"customer": customer(get_customer(workspace_id, customer_id))}
