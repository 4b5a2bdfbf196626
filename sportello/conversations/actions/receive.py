"""Receiving a customer's message: the end of the ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from sportello.channels.models import Channel
from sportello.conversations import timeline
from sportello.conversations.events import ConversationOpened, MessageReceived
from sportello.conversations.models import (
    ACTIVE_STATUSES,
    Conversation,
    Direction,
    Kind,
    Message,
    Status,
)
from sportello.conversations.search import index_text
from sportello.core import clock
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


@transaction.atomic
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
) -> Received:
    """Store an inbound message in ``conversation``, or in a new one when it is ``None``.

    A message on a resolved or closed conversation reopens it; a message on a pending or
    snoozed one puts it back to open, because the customer is now waiting again.
    """
    now = clock.now()
    opened = conversation is None
    if conversation is None:
        workspace = Workspace(pk=channel.workspace_id)
        conversation = Conversation.objects.create(
            workspace_id=channel.workspace_id,
            number=workspace.next_conversation_number(),
            subject=(subject or preview_of(text))[:300],
            status=Status.OPEN,
            customer=customer,
            channel=channel,
            team_id=team_id,
            language=language,
            last_message_at=now,
            created_at=now,
        )
        timeline.created(conversation)
    elif conversation.status != Status.OPEN:
        old = conversation.status
        conversation.status = Status.OPEN
        conversation.snoozed_until = None
        if old not in ACTIVE_STATUSES:
            conversation.resolved_at = None
        timeline.reopened_by_customer(conversation, old, now)

    message = Message.objects.create(
        workspace_id=channel.workspace_id,
        conversation=conversation,
        direction=Direction.INBOUND,
        kind=Kind.MESSAGE,
        text=text,
        html=html,
        sender_customer=customer,
        sender_name=sender_name[:200],
        channel=channel,
        external_id=external_id,
        data=data or {},
        attachments=attachments or [],
        language=language,
        search_text=index_text(subject if opened else "", text, language),
        sent_at=sent_at,
        received_at=now,
        created_at=now,
    )

    conversation.last_message_at = now
    conversation.last_inbound_at = now
    conversation.waiting_since = conversation.waiting_since or now
    conversation.preview = preview_of(text)
    if language and not conversation.language:
        conversation.language = language
    Conversation.objects.filter(pk=conversation.pk).update(
        status=conversation.status,
        snoozed_until=conversation.snoozed_until,
        resolved_at=conversation.resolved_at,
        last_message_at=now,
        last_inbound_at=now,
        waiting_since=conversation.waiting_since,
        preview=conversation.preview,
        language=conversation.language,
        message_count=F("message_count") + 1,
        updated_at=now,
    )
    record_contact(customer.pk, now, new_conversation=opened)

    if opened:
        publish(
            ConversationOpened(
                workspace_id=channel.workspace_id,
                conversation_id=conversation.pk,
                customer_id=customer.pk,
                channel_id=channel.pk,
            )
        )
    publish(
        MessageReceived(
            workspace_id=channel.workspace_id,
            conversation_id=conversation.pk,
            message_id=message.pk,
            customer_id=customer.pk,
        )
    )
    return Received(conversation=conversation, message=message, opened=opened)
