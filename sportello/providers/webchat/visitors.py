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
from sportello.core import sql

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


# ";" is the character after ":": every external id with the prefix, and only those.
_VISITOR_CONVERSATIONS_SQL = (
    f"SELECT DISTINCT conversation_id FROM {Message._meta.db_table}"
    " WHERE workspace_id = %s AND external_id >= %s AND external_id < %s"
    " AND channel_id = %s AND direction = %s"
)


def conversation_ids(workspace_id: int, channel_id: int, handle: str) -> list[int]:
    """The conversations this visitor wrote in on this channel, oldest first.

    The handle's prefix is asked as a range, not ``LIKE 'wc:<handle>:%'``: a range walks
    the ``(workspace, external_id)`` index, where SQLite's LIKE read every external id
    of the workspace (a socket asks on connect; at 1,000 sockets it was the slowest query).
    Plain SQL (docs/adr/0005): every socket's connect and every poll asks, and building
    the ORM's query was 0.8 ms of the 1 ms it took.
    """
    prefix = f"wc:{handle}:"
    rows = sql.fetchall(
        _VISITOR_CONVERSATIONS_SQL,
        [workspace_id, prefix, prefix[:-1] + ";", channel_id, Direction.INBOUND.value],
    )
    return sorted(row[0] for row in rows)


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


def line_of_stored(message: Message) -> ChatLine:
    """A visitor's message just stored, as the widget shows it, from the row the pipeline
    wrote: re-reading it cost a query and its compilation, a sixth of the server's CPU
    for each chat message (docs/performance.md)."""
    row = tuple(getattr(message, "id" if name == "pk" else name) for name in _LINE_FIELDS)
    return _line(row, {})


def line_of(workspace_id: int, message_id: int) -> ChatLine | None:
    """One message as the widget shows it (the one just stored): a primary-key read."""
    row = (
        Message.objects.filter(pk=message_id, workspace_id=workspace_id)
        .values_list(*_LINE_FIELDS)
        .first()
    )
    return _lines([row])[0] if row is not None else None


# The columns of a chat line, read in plain SQL (docs/adr/0005): every poll, every socket's
# catch-up and every reply pushed to a widget reads lines, and compiling the ORM's query
# (an ``IN``, an ``OR`` of directions) cost 2 ms of a 2.5 ms read.
_LINE = sql.RowReader(
    Message,
    "message",
    leave_out=[
        field.name
        for field in Message._meta.concrete_fields
        if field.attname not in {"id", *_LINE_FIELDS}
    ],
)


def lines_after(
    workspace_id: int, conversation_ids: list[int], after: int = 0, limit: int = PAGE
) -> list[ChatLine]:
    """Messages in and out of the visitor's conversations with an id above ``after``
    (notes and timeline events are the agents' own and never shown)."""
    if not conversation_ids:
        return []
    marks = ", ".join(["%s"] * len(conversation_ids))
    query = _LINE.where(
        f"message.workspace_id = %s AND message.conversation_id IN ({marks})"
        " AND message.kind = %s AND message.id > %s AND message.direction IN (%s, %s)",
        "message.id LIMIT %s",
    )
    rows = sql.fetchall(
        query,
        [
            workspace_id,
            *conversation_ids,
            Kind.MESSAGE.value,
            after,
            Direction.INBOUND.value,
            Direction.OUTBOUND.value,
            limit,
        ],
    )
    messages = _LINE.build_rows(rows)
    return _lines(
        [
            tuple(getattr(m, "id" if name == "pk" else name) for name in _LINE_FIELDS)
            for m in messages
        ]
    )


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
