"""One-line recorders of what happened to a conversation.

Every action calls one of these, so the timeline is complete by design: an agent reading a
conversation sees who assigned it, who changed its status, when it was merged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sportello.accounts.models import Agent
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
    return Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        direction=Direction.OUTBOUND if by else Direction.INBOUND,
        kind=Kind.EVENT,
        event=event,
        data=data,
        sender_agent=by,
        sender_name=by.display_name if by else "",
        created_at=at or clock.now(),
    )


def created(conversation: Conversation) -> Message:
    return record(
        conversation, "created", at=conversation.created_at, channel=conversation.channel_id
    )


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


def reopened_by_customer(conversation: Conversation, old: str, at: datetime) -> Message:
    return record(
        conversation, "status_changed", None, at=at, old=old, new="open", reason="customer"
    )


def priority_changed(conversation: Conversation, by: Agent | None, old: int, new: int) -> Message:
    return record(conversation, "priority_changed", by, old=old, new=new)


def tags_changed(
    conversation: Conversation, by: Agent | None, added: list[str], removed: list[str]
) -> Message:
    return record(conversation, "tags_changed", by, added=added, removed=removed)
