"""How the actions write conversation and message rows: one place for each.

Every message, note and timeline event is built by ``message_row`` and written by
``insert_messages``; every message added to a conversation moves its counters through
``message_added``. Plain SQL (docs/adr/0005): these run for every inbound message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.core import sql

PREVIEW_CHARS = 200

CONVERSATIONS = sql.Table(Conversation)
MESSAGES = sql.Table(Message)
_COLUMNS = {f.attname: f.column for f in Conversation._meta.concrete_fields}


def preview_of(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_CHARS]


def message_row(
    conversation: Conversation,
    *,
    at: datetime,
    kind: str = Kind.MESSAGE,
    direction: str = Direction.INBOUND,
    **fields: Any,
) -> dict[str, Any]:
    """A timeline row of ``conversation``: a message, a note or an event, with the model's
    defaults for what ``fields`` (by attribute name) leave out."""
    return MESSAGES.row(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.pk,
        kind=kind,
        direction=direction,
        created_at=at,
        **fields,
    )


def insert_messages(rows: list[dict[str, Any]]) -> list[Message]:
    """Write rows of ``message_row``, in their order; the messages as written."""
    ids = MESSAGES.insert_rows(rows)
    return [sql.instance(Message, {"id": pk, **row}) for pk, row in zip(ids, rows, strict=True)]


def insert_conversation(**fields: Any) -> Conversation:
    """Write a new conversation (``fields`` by attribute name, the model's defaults for
    the rest); the conversation as written."""
    row = CONVERSATIONS.row(**fields)
    pk = CONVERSATIONS.insert(row)
    conversation: Conversation = sql.instance(Conversation, {"id": pk, **row})
    return conversation


def message_added(
    conversation_id: int, *, at: datetime, preview: str, inbound: bool, **columns: Any
) -> None:
    """A message was added to the conversation: its count, its latest activity and preview,
    and who is waiting (an inbound message starts the customer's wait unless it runs
    already; a reply ends it). ``columns``: other columns set with them (a status, the first
    reply's time). One statement, whose row count nobody reads (it may run pipelined)."""
    sets = ["message_count = message_count + 1", "last_message_at = %s", "preview = %s"]
    params: list[Any] = [at, preview]
    if inbound:
        sets += ["last_inbound_at = %s", "waiting_since = COALESCE(waiting_since, %s)"]
        params += [at, at]
    else:
        sets.append("waiting_since = NULL")
    for name, value in {**columns, "updated_at": at}.items():
        sets.append(f"{_COLUMNS[name]} = %s")
        params.append(value)
    sql.execute(
        f"UPDATE {CONVERSATIONS.name} SET {', '.join(sets)} WHERE id = %s",
        [*params, conversation_id],
    )
