"""One-line recorders of what happened to a conversation.

Every action calls one of these, so the timeline is complete by design: an agent reading a
conversation sees who assigned it, who changed its status, when it was merged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sportello.accounts.models import Agent
from sportello.conversations.actions.store import insert_messages, message_row
from sportello.conversations.models import Conversation, Direction, Kind, Message
from sportello.core import clock


def record(
    conversation: Conversation,
    event: str,
    by: Agent | None = None,
    *,
    at: datetime | None = None,
    **data: Any,
) -> Message:
    """Put ``event`` on the timeline now: by ``by``, or by the customer's side."""
    row = message_row(
        conversation,
        at=at or clock.now(),
        kind=Kind.EVENT,
        direction=Direction.OUTBOUND if by else Direction.INBOUND,
        event=event,
        data=data,
        sender_agent_id=by.pk if by else None,
        sender_name=by.display_name if by else "",
    )
    return insert_messages([row])[0]


def row(conversation: Conversation, event: str, *, at: datetime, **data: Any) -> dict[str, Any]:
    """An event by the customer's side as a row, for an action that writes it with others
    (``store.insert_messages``)."""
    return message_row(conversation, at=at, kind=Kind.EVENT, event=event, data=data)


def assigned(
    conversation: Conversation, by: Agent | None, assignee: Agent | None, team_name: str | None
) -> Message:
    return record(
        conversation,
        "assigned",
        by,
        assignee=assignee.display_name if assignee else None,
        assignee_id=assignee.pk if assignee else None,
        team=team_name,
    )


def status_changed(conversation: Conversation, by: Agent | None, old: str, new: str) -> Message:
    return record(conversation, "status_changed", by, old=old, new=new)


def priority_changed(conversation: Conversation, by: Agent | None, old: int, new: int) -> Message:
    return record(conversation, "priority_changed", by, old=old, new=new)


def tags_changed(
    conversation: Conversation, by: Agent | None, added: list[str], removed: list[str]
) -> Message:
    return record(conversation, "tags_changed", by, added=added, removed=removed)


def sla_warning(target: str, due_at: datetime) -> tuple[str, dict[str, Any]]:
    """A target's breach is near (for ``update_sla``'s ``events``)."""
    return "sla_warning", {"target": target, "due_at": due_at.isoformat()}


def sla_breached(target: str, due_at: datetime) -> tuple[str, dict[str, Any]]:
    """A target passed its due time unmet (for ``update_sla``'s ``events``)."""
    return "sla_breached", {"target": target, "due_at": due_at.isoformat()}
