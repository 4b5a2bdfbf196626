"""What a delivery's body says: the envelope every event shares and, in ``data``, the
objects it is about in the shapes the REST API answers with (``conversations.shapes``,
``customers.shapes``; tests/webhooks/test_payloads.py compares them with the API's answers).

The objects are read when the event's deliveries are made, right after the write that
published it committed: ``data`` is the object as it was then, and the event's own fields
(``old_status``, ``is_first_reply``...) say what changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sportello.conversations import shapes as conversation_shapes
from sportello.conversations.models import Message
from sportello.conversations.queries import get_conversation
from sportello.core import jsontext
from sportello.core.models import Workspace
from sportello.customers import shapes as customer_shapes
from sportello.customers.queries import get_customer


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


def body_of(envelope: dict[str, Any]) -> str:
    """The exact text posted and signed (UTC times as ``...Z``, as the API writes them)."""
    return jsontext.dumps(envelope)


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


def conversation_data(workspace_id: int, conversation_id: int) -> dict[str, Any]:
    found = get_conversation(workspace_id, conversation_id)
    return {"conversation": conversation_shapes.conversation_summary(found)}


def message_data(workspace_id: int, conversation_id: int, message_id: int) -> dict[str, Any]:
    found = Message.objects.get(workspace_id=workspace_id, pk=message_id)
    data = conversation_data(workspace_id, conversation_id)
    return {**data, "message": conversation_shapes.message(found)}


def customer_data(workspace_id: int, customer_id: int) -> dict[str, Any]:
    return {"customer": customer_shapes.customer(get_customer(workspace_id, customer_id))}
