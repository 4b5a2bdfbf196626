"""Who a widget visitor is, and what they may read.

A visitor is known only by a random token the widget keeps in the browser's local storage.
The server never stores the token: a visitor's handle (their ``webchat`` identity, and
the prefix of their messages' external ids) is a digest of it, so a leaked database does
not let anyone speak as a visitor.

What a token may read is decided by the messages it wrote, never by the customer record:
the conversations of this channel holding a message whose external id starts with the
token's handle. A customer merged with another by an agent, or a visitor who typed
somebody else's email, still reads nothing they did not take part in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse

from sportello.accounts.queries import avatar_names
from sportello.conversations.models import Direction, Kind, Message
from sportello.conversations.queries import (
    conversation_ids_by_external_prefix,
    conversations_messages_after,
)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# How many messages one answer carries at most (a visitor's history, or a catch-up).
PAGE = 100


def new_token() -> str:
    return secrets.token_urlsafe(32)


def handle_of(token: str) -> str:
    """The visitor's identity value: 32 hex digits of the token's SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def external_id(handle: str, client_id: str) -> str:
    """A visitor message's id: the widget's own id for it, so a message sent twice (a
    retry after a dropped connection) is stored once."""
    return f"wc:{handle}:{client_id}"


def conversation_ids(workspace_id: int, channel_id: int, handle: str) -> list[int]:
    """The conversations this visitor wrote in on this channel, oldest first: those holding
    an inbound message whose external id starts with the handle (a range on an index, see
    ``conversations.queries.conversation_ids_by_external_prefix``)."""
    return conversation_ids_by_external_prefix(
        workspace_id, channel_id, f"wc:{handle}:", Direction.INBOUND.value
    )


@dataclass(frozen=True)
class ChatLine:
    id: int
    conversation_id: int
    author: str  # "visitor" or "agent"
    name: str
    text: str
    at: datetime
    attachments: list[dict[str, Any]]
    data: dict[str, Any]
    # The public name of the replying agent's picture ("" without one: initials instead).
    avatar: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "author": self.author,
            # Only an agent's display name: never their email or account.
            "name": self.name,
            **({"avatar": reverse("webchat-avatar", args=[self.avatar])} if self.avatar else {}),
            "text": self.text,
            "at": self.at.isoformat(),
            "attachments": [
                {
                    "filename": a.get("filename") or "",
                    "content_type": a.get("content_type") or "",
                    "size": a.get("size") or 0,
                }
                for a in self.attachments
                if not a.get("dropped")
            ],
            **({"video_url": self.data["video_url"]} if self.data.get("video_url") else {}),
        }


_LINE_FIELDS = (
    "pk",
    "conversation_id",
    "direction",
    "sender_name",
    "text",
    "created_at",
    "attachments",
    "data",
    "sender_agent_id",
)


def _lines(rows: list[tuple[Any, ...]]) -> list[ChatLine]:
    """Rows of ``_LINE_FIELDS`` as the widget shows them, with the agents' pictures (one
    query for all of them; only a picture's public name, nothing else of the agent)."""
    pictures = avatar_names({row[-1] for row in rows if row[-1] is not None})
    return [_line(row, pictures) for row in rows]


def _line(row: tuple[Any, ...], pictures: dict[int, str]) -> ChatLine:
    pk, conversation_id, direction, name, text, at, attachments, data, agent_id = row
    return ChatLine(
        id=pk,
        conversation_id=conversation_id,
        author="visitor" if direction == Direction.INBOUND else "agent",
        name="" if direction == Direction.INBOUND else (name or ""),
        text=text or "",
        at=at,
        attachments=list(attachments or []),
        data=(data or {}).get("webchat") or {},
        avatar=pictures.get(agent_id, "") if direction == Direction.OUTBOUND else "",
    )


def _fields(message: Message) -> tuple[Any, ...]:
    return tuple(getattr(message, "id" if name == "pk" else name) for name in _LINE_FIELDS)


def line_of_stored(message: Message) -> ChatLine:
    """A visitor's message just stored, as the widget shows it, from the row the pipeline
    wrote: re-reading it cost a query and its compilation, a sixth of the server's CPU
    for each chat message (docs/performance.md)."""
    return _line(_fields(message), {})


def line_of(workspace_id: int, message_id: int) -> ChatLine | None:
    """One message as the widget shows it (the one just stored): a primary-key read."""
    row = (
        Message.objects.filter(pk=message_id, workspace_id=workspace_id)
        .values_list(*_LINE_FIELDS)
        .first()
    )
    return _lines([row])[0] if row is not None else None


def lines_after(
    workspace_id: int, conversation_ids: list[int], after: int = 0, limit: int = PAGE
) -> list[ChatLine]:
    """Messages in and out of the visitor's conversations with an id above ``after``
    (notes and timeline events are the agents' own and never shown)."""
    if not conversation_ids:
        return []
    messages = conversations_messages_after(workspace_id, conversation_ids, after, limit)
    return _lines([_fields(message) for message in messages])


def latest_lines(
    workspace_id: int, conversation_ids: list[int], limit: int = PAGE
) -> list[ChatLine]:
    """The visitor's history: the last ``limit`` messages, oldest first."""
    if not conversation_ids:
        return []
    newest = (
        Message.objects.filter(
            workspace_id=workspace_id, conversation_id__in=conversation_ids, kind=Kind.MESSAGE
        )
        .order_by("-pk")
        .values_list("pk", flat=True)[limit - 1 : limit]
    )
    first = list(newest)
    return lines_after(workspace_id, conversation_ids, first[0] - 1 if first else 0, limit)
