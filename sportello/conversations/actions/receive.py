"""Receiving a customer's message: the end of the ingest pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from sportello.channels.models import Channel
from sportello.conversations.actions import timeline
from sportello.conversations.actions.store import (
    insert_conversation,
    insert_messages,
    message_added,
    message_row,
    preview_of,
)
from sportello.conversations.events import ConversationOpened, MessageReceived
from sportello.conversations.models import Conversation, Message, Status
from sportello.conversations.search import index_text
from sportello.core import clock
from sportello.core.events import publish
from sportello.core.models import Workspace
from sportello.customers.actions import record_contact
from sportello.customers.models import Customer


@dataclass(frozen=True)
class Received:
    conversation: Conversation
    message: Message
    opened: bool


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
    sla: Mapping[str, Any] | None = None,
) -> Received:
    """Store an inbound message in ``conversation``, or in a new one when it is ``None``.

    A message on a resolved or closed conversation reopens it; a message on a pending or
    snoozed one puts it back to open, because the customer is now waiting again. The
    conversation needs only its id, workspace, status and language read (ingest reads no
    more of an open conversation).

    Its writes are plain SQL (docs/adr/0005): they run for every inbound message. The
    counters' updates fetch nothing, so a caller may run them pipelined (``sql.pipeline``).

    ``sla``: the SLA columns ingest's ``sla`` step decided (due times, states), written with
    the conversation's insert or its counters' update, at no statement of their own.
    """
    now = clock.now()
    workspace_id = channel.workspace_id
    opened = conversation is None
    preview = preview_of(text)
    events: list[dict[str, Any]] = []
    if conversation is None:
        conversation = insert_conversation(
            workspace_id=workspace_id,
            number=Workspace(pk=workspace_id).next_conversation_number(),
            subject=(subject or preview)[:300],
            status=Status.OPEN,
            customer_id=customer.pk,
            channel_id=channel.pk,
            team_id=team_id,
            language=language,
            last_message_at=now,
            last_inbound_at=now,
            waiting_since=now,
            message_count=1,
            preview=preview,
            created_at=now,
            updated_at=now,
            **(sla or {}),
        )
        events.append(timeline.row(conversation, "created", at=now, channel=channel.pk))
    else:
        reopened: dict[str, Any] = {}
        old = conversation.status
        if old != Status.OPEN:
            reopened = {"status": Status.OPEN, "snoozed_until": None, "resolved_at": None}
            events.append(
                timeline.row(
                    conversation, "status_changed", at=now, old=old, new="open", reason="customer"
                )
            )
        if not conversation.language and language:
            reopened["language"] = language
        reopened.update(sla or {})
        message_added(conversation.pk, at=now, preview=preview, inbound=True, **reopened)
        for name, value in reopened.items():
            setattr(conversation, name, value)
        conversation.last_message_at = conversation.last_inbound_at = now
        conversation.preview = preview

    # Timeline events first, so the thread reads "created" before the message.
    row = message_row(
        conversation,
        at=now,
        text=text,
        html=html,
        sender_customer_id=customer.pk,
        sender_name=sender_name[:200],
        channel_id=channel.pk,
        external_id=external_id,
        data=data or {},
        attachments=attachments or [],
        language=language,
        search_text=index_text(subject if opened else "", text, language),
        sent_at=sent_at,
        received_at=now,
    )
    message = insert_messages([*events, row])[-1]
    record_contact(customer.pk, now, new_conversation=opened)

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


@transaction.atomic
def complete_attachments(message_id: int, attachments: list[dict[str, Any]]) -> None:
    """A received message's attachments once fetched after it was stored (WhatsApp sends a
    media id, and the file is downloaded by a job so that the webhook answers at once).
    Only the attachments change: the message was stored, and counted, when it came."""
    Message.objects.filter(pk=message_id, direction="in").update(attachments=attachments)
