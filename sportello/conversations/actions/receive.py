"""Receiving a customer's message: the end of the ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from sportello.channels.models import Channel
from sportello.conversations import timeline
from sportello.conversations.events import ConversationOpened, MessageReceived
from sportello.conversations.models import (
    Conversation,
    Direction,
    Kind,
    Message,
    Priority,
    Status,
)
from sportello.conversations.search import index_text
from sportello.core import clock, sql
from sportello.core.events import publish
from sportello.core.models import Workspace
from sportello.customers.actions import record_contact
from sportello.customers.models import Customer

PREVIEW_CHARS = 200


@dataclass(frozen=True)
class Received:
    conversation: Conversation
    message: Message
    opened: bool


def preview_of(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_CHARS]


# No savepoint: inside the ingest transaction a failure rolls the whole message back.
@transaction.atomic(savepoint=False)
def receive_message(
    *,
    channel: Channel,
    customer: Customer,
    conversation: Conversation | None,
    text: str,
    html: str = "",
    subject: str = "",
    sender_name: str = "",
    external_id: str | None = None,
    sent_at: datetime | None = None,
    language: str = "",
    attachments: list[dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    team_id: int | None = None,
    then: Callable[[Conversation], Sequence[sql.Statement]] | None = None,
) -> Received:
    """Store an inbound message in ``conversation``, or in a new one when it is ``None``.

    A message on a resolved or closed conversation reopens it; a message on a pending or
    snoozed one puts it back to open, because the customer is now waiting again.

    This runs for every inbound message, so its writes are plain SQL (docs/adr/0005): a
    new conversation costs four statements (two round trips on PostgreSQL: its number, then
    the conversation with its rows and the customer's counters), a message in an open one
    three (one round trip on PostgreSQL, which runs the two updates with the insert).

    ``then``: the caller's writes that note where the message went, given its conversation,
    with ``sql.LAST_ID`` for the message's id (and, for a new conversation, its id is
    ``sql.PARENT_ID`` until it is inserted); they go with the message's insert (the same
    round trip on PostgreSQL), which is what ingest's raw record needs.
    """
    now = clock.now()
    workspace_id = channel.workspace_id
    opened = conversation is None
    preview = preview_of(text)
    events: list[dict[str, Any]] = []
    moved: sql.Statement | None = None  # the update of a conversation that already exists
    if conversation is None:
        opened_row = {
            "workspace_id": workspace_id,
            "number": Workspace(pk=workspace_id).next_conversation_number(),
            "subject": (subject or preview)[:300],
            "status": Status.OPEN,
            "priority": Priority.NORMAL,
            "customer_id": customer.pk,
            "channel_id": channel.pk,
            "assignee_id": None,
            "team_id": team_id,
            "language": language,
            "first_reply_at": None,
            "last_message_at": now,
            "last_inbound_at": now,
            "waiting_since": now,
            "snoozed_until": None,
            "resolved_at": None,
            "message_count": 1,
            "preview": preview,
            "created_at": now,
            "updated_at": now,
        }
        # Inserted with its first rows below; its id is PARENT_ID until then.
        conversation = sql.instance(Conversation, {"id": sql.PARENT_ID, **opened_row})
        events.append(timeline.row(conversation, "created", at=now, channel=channel.pk))
    else:
        old = conversation.status
        if old != Status.OPEN:
            conversation.status = Status.OPEN
            conversation.snoozed_until = None
            conversation.resolved_at = None
            events.append(
                timeline.row(
                    conversation, "status_changed", at=now, old=old, new="open", reason="customer"
                )
            )
        moved = (
            "UPDATE conversations_conversation SET status = 'open', snoozed_until = NULL,"
            " resolved_at = CASE WHEN status IN ('resolved', 'closed') THEN NULL"
            " ELSE resolved_at END,"
            " last_message_at = %s, last_inbound_at = %s,"
            " waiting_since = COALESCE(waiting_since, %s), preview = %s,"
            " language = CASE WHEN language = '' THEN %s ELSE language END,"
            " message_count = message_count + 1, updated_at = %s WHERE id = %s",
            [now, now, now, preview, language, now, conversation.pk],
        )
        conversation.last_message_at = conversation.last_inbound_at = now
        conversation.preview = preview
        conversation.language = conversation.language or language

    values = {
        "workspace_id": workspace_id,
        "conversation_id": conversation.pk,
        "direction": Direction.INBOUND,
        "kind": Kind.MESSAGE,
        "text": text,
        "html": html,
        "sender_agent_id": None,
        "sender_customer_id": customer.pk,
        "sender_name": sender_name[:200],
        "channel_id": channel.pk,
        "external_id": external_id,
        "event": "",
        "data": data or {},
        "attachments": attachments or [],
        "language": language,
        "search_text": index_text(subject if opened else "", text, language),
        "sent_at": sent_at,
        "received_at": now,
        "created_at": now,
    }
    # Timeline events first, so the thread reads "created" before the message. The
    # conversation's and the customer's counters go with them (neither reads the other):
    # one round trip on PostgreSQL.
    contact = record_contact(customer.pk, now, new_conversation=opened)
    along = [contact] if moved is None else [moved, contact]
    closing = then(conversation) if then is not None else ()
    if opened:
        # The conversation with its rows: one round trip on PostgreSQL.
        conversation.pk, ids = sql.insert_under(
            "conversations_conversation",
            opened_row,
            "conversations_message",
            [*events, values],
            along=along,
            then=closing,
        )
        values["conversation_id"] = conversation.pk
    else:
        ids = sql.insert_many("conversations_message", [*events, values], along=along, then=closing)
    message = sql.instance(Message, {"id": ids[-1], **values})

    if opened:
        publish(
            ConversationOpened(
                workspace_id=workspace_id,
                conversation_id=conversation.pk,
                customer_id=customer.pk,
                channel_id=channel.pk,
            )
        )
    publish(
        MessageReceived(
            workspace_id=workspace_id,
            conversation_id=conversation.pk,
            message_id=message.pk,
            customer_id=customer.pk,
        )
    )
    return Received(conversation=conversation, message=message, opened=opened)
