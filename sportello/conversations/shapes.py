"""A conversation and a message as integrations read them: the REST API answers with these
(``api.present``) and the webhooks send them (``webhooks.payloads``), so an integration
reads one shape whichever way it learns of a change. Plain dictionaries; times stay
datetimes for the caller's JSON writer (``core.jsontext``)."""

from __future__ import annotations

from typing import Any

from sportello.conversations.models import Conversation, Message


def conversation_summary(c: Conversation) -> dict[str, Any]:
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
    """As a conversation's ``messages`` in the API, but for the delivery state the API
    adds to a reply."""
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
