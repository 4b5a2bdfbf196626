"""Agents writing in a conversation: replies to the customer and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from sportello.accounts.models import Agent
from sportello.conversations.actions.store import (
    insert_messages,
    message_added,
    message_row,
    preview_of,
)
from sportello.conversations.attachments import Upload, store_uploads
from sportello.conversations.events import AutomaticReplySent, NoteAdded, ReplySent
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.conversations.search import index_text
from sportello.core import clock
from sportello.core.errors import InvalidInput
from sportello.core.events import publish

MAX_TEXT = 1_000_000
MAX_KEY = 255


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the text is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the text is longer than {MAX_TEXT} characters")
    return text


class KeyReused(InvalidInput):
    """An idempotency key already stored another reply (another text, or another
    conversation): the client meant a new reply and must send a new key."""


def _clean_key(key: str) -> str:
    key = (key or "").strip()
    if not key:
        raise InvalidInput("the idempotency key is empty")
    if len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"the idempotency key must be at most {MAX_KEY} printable ASCII characters"
        )
    return key


@transaction.atomic
def reply(
    conversation: Conversation,
    agent: Agent,
    text: str,
    *,
    html: str = "",
    uploads: Sequence[Upload] = (),
    data: dict[str, Any] | None = None,
    channel_id: int | None = None,
) -> Message:
    """Store ``text`` (and the agent's ``uploads``, checked against the size limits) as a
    reply to the customer. The first reply stamps ``first_reply_at``, which the
    first-reply targets measure; any reply ends the customer's wait. ``data`` tells the
    channel's sender more than the text (WhatsApp: the template it fills); ``channel_id``
    is the channel it goes out on, by default the conversation's (a merged conversation
    holds several: ``outbound.send_reply`` checks the choice).

    This only stores it: ``outbound.actions.send_reply`` stores it and creates its delivery
    in the same transaction, which is how agents' replies reach the customer."""
    text = _clean(text)
    files = store_uploads(conversation.workspace_id, uploads)
    return _store_reply(
        conversation,
        agent,
        text,
        html=html,
        key=None,
        files=files,
        data=data or {},
        channel_id=channel_id,
    )


@transaction.atomic
def reply_once(
    conversation: Conversation,
    agent: Agent,
    text: str,
    *,
    key: str,
    html: str = "",
    uploads: Sequence[Upload] = (),
    channel_id: int | None = None,
) -> tuple[Message, bool]:
    """:func:`reply`, at most once per ``key`` in the workspace: a client retrying after a
    lost answer gets the reply it stored the first time. Returns the reply and whether it
    was stored now. The same key with another conversation or text is refused.

    Race-free: the key is unique per workspace (``message_idempotency_key``); of two
    requests with the same key, the second waits for the first to commit, fails on the
    constraint inside a savepoint and returns the first one's reply."""
    key = _clean_key(key)
    text = _clean(text)
    earlier = _replied_under(conversation.workspace_id, key)
    if earlier is None:
        files = store_uploads(conversation.workspace_id, uploads)
        try:
            with transaction.atomic():
                stored = _store_reply(
                    conversation,
                    agent,
                    text,
                    html=html,
                    key=key,
                    files=files,
                    channel_id=channel_id,
                )
                return stored, True
        except IntegrityError:
            earlier = _replied_under(conversation.workspace_id, key)
            if earlier is None:
                raise
    _same_reply(earlier, conversation, text)
    return earlier, False


def earlier_reply(conversation: Conversation, text: str, *, key: str) -> Message | None:
    """The reply stored earlier under ``key`` (a client retrying after a lost answer), or
    None; the same key with another conversation or text is refused (``KeyReused``). Asked
    before anything else about a retried reply: its channel may have stopped sending since,
    and the answer is still the reply it already has."""
    earlier = _replied_under(conversation.workspace_id, _clean_key(key))
    if earlier is not None:
        _same_reply(earlier, conversation, _clean(text))
    return earlier


def _same_reply(earlier: Message, conversation: Conversation, text: str) -> None:
    if earlier.conversation_id != conversation.pk or earlier.text != text:
        raise KeyReused(
            "this idempotency key was already used for another reply: "
            "send a new key for a new reply"
        )


def _replied_under(workspace_id: int, key: str) -> Message | None:
    return Message.objects.filter(workspace_id=workspace_id, idempotency_key=key).first()


def _store_reply(
    conversation: Conversation,
    agent: Agent,
    text: str,
    *,
    html: str,
    key: str | None,
    files: list[dict[str, Any]],
    data: dict[str, Any] | None = None,
    channel_id: int | None = None,
) -> Message:
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
                channel_id=channel_id or conversation.channel_id,
                language=conversation.language,
                search_text=index_text("", text, conversation.language),
                sent_at=now,
                idempotency_key=key,
                attachments=files,
                data=data or {},
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
def automatic_reply(conversation: Conversation, text: str, *, reason: str) -> Message:
    """Store a reply the system writes to the customer (``reason``: "acknowledgement").

    It is not an agent's reply: it has no sender agent, it does not stamp
    ``first_reply_at`` nor end the customer's wait, and it publishes
    :class:`AutomaticReplySent`, not ``ReplySent``, so the SLA reply clocks keep running.
    The inbox keeps the customer's words as the preview. ``data["automatic"]`` tells the
    timeline, the API and the channel's sender (which marks the email ``Auto-Submitted``)
    what it is."""
    text = _clean(text)
    now = clock.now()
    (message,) = insert_messages(
        [
            message_row(
                conversation,
                at=now,
                direction=Direction.OUTBOUND,
                text=text,
                channel_id=conversation.channel_id,
                language=conversation.language,
                search_text=index_text("", text, conversation.language),
                sent_at=now,
                data={"automatic": reason},
            )
        ]
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=F("message_count") + 1, updated_at=now
    )
    publish(
        AutomaticReplySent(
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.pk,
            message_id=message.pk,
            reason=reason,
        )
    )
    return message


@transaction.atomic
def add_note(
    conversation: Conversation, agent: Agent, text: str, *, uploads: Sequence[Upload] = ()
) -> Message:
    """An internal note (with the agent's ``uploads``): seen by agents only, never sent,
    searchable like messages."""
    text = _clean(text)
    files = store_uploads(conversation.workspace_id, uploads)
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
                attachments=files,
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
