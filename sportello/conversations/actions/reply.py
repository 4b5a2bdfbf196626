"""Agents writing in a conversation: replies to the customer and internal notes."""

from __future__ import annotations

from django.db import transaction

from sportello.accounts.models import Agent
from sportello.conversations.actions.store import (
    insert_messages,
    message_added,
    message_row,
    preview_of,
)
from sportello.conversations.events import NoteAdded, ReplySent
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.conversations.search import index_text
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish

MAX_TEXT = 1_000_000


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the text is longer than {MAX_TEXT} characters")
    return text


@transaction.atomic
def reply(conversation: Conversation, agent: Agent, text: str, *, html: str = "") -> Message:
    """Send ``text`` to the customer. The first reply stamps ``first_reply_at``, which the
    first-reply targets measure; any reply ends the customer's wait."""
    text = _clean(text)
    now = clock.now()
    (message,) = insert_messages(
        [
            message_row(
                conversation,
                at=now,
                direction=Direction.OUTBOUND,
                text=text,
                html=html,
                sender_agent_id=agent.pk,
                sender_name=agent.display_name,
                channel_id=conversation.channel_id,
                language=conversation.language,
                search_text=index_text("", text, conversation.language),
                sent_at=now,
            )
        ]
    )
    is_first = conversation.first_reply_at is None
    first = {"first_reply_at": now} if is_first else {}
    message_added(conversation.pk, at=now, preview=preview_of(text), inbound=False, **first)
    if is_first:
        conversation.first_reply_at = now
    conversation.last_message_at = now
    conversation.waiting_since = None
    publish(
        ReplySent(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            message_id=message.pk,
            agent_id=agent.pk,
            is_first_reply=is_first,
        )
    )
    return message


@transaction.atomic
def add_note(conversation: Conversation, agent: Agent, text: str) -> Message:
    """An internal note: seen by agents only, never sent, searchable like messages."""
    text = _clean(text)
    now = clock.now()
    (note,) = insert_messages(
        [
            message_row(
                conversation,
                at=now,
                kind=Kind.NOTE,
                direction=Direction.OUTBOUND,
                text=text,
                sender_agent_id=agent.pk,
                sender_name=agent.display_name,
                language=conversation.language,
                search_text=index_text("", text, conversation.language),
            )
        ]
    )
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    publish(
        NoteAdded(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            message_id=note.pk,
            agent_id=agent.pk,
        )
    )
    return note


def note_external_id(message_id: int, external_id: str) -> None:
    """Give an outbound message the id its channel knows it by (an email Message-ID), once.

    Set before the provider is called, so the customer's answer threads back even if the
    worker dies right after the provider accepted the message."""
    Message.objects.filter(pk=message_id, external_id__isnull=True).update(external_id=external_id)
