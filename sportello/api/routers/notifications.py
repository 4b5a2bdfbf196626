"""Notifications (``/api/v1/notifications``): what the rules' ``notify`` told the calling
agent (an SLA warning, a breach), newest first, and marking them read. Each agent sees
only their own."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictInt

from sportello.api.auth import current_agent
from sportello.api.schemas import Error, ValidationErrorOut
from sportello.automation.rules import actions, queries

router = Router(tags=["notifications"])

MAX_LIMIT = 200


class NotificationQuery(Schema):
    unread: bool = Field(False, description="Only those not read yet.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class NotificationOut(Schema):
    id: int
    text: str
    conversation_id: int | None
    conversation_number: int | None = Field(
        description="The conversation's number (its address in the agent UI), if it exists."
    )
    rule_id: int | None
    created_at: datetime
    read_at: datetime | None


class NotificationsOut(Schema):
    unread_count: int
    notifications: list[NotificationOut]


class ReadIn(Schema):
    # Strict: a JSON false or "3" is not a notification's id.
    ids: list[StrictInt] | None = Field(
        None, description="The notifications to mark read; none: all the unread ones."
    )


class ReadOut(Schema):
    marked: int
    unread_count: int


@router.get("", response={200: NotificationsOut, 401: Error, 422: ValidationErrorOut})
def list_notifications(request: HttpRequest, filters: Query[NotificationQuery]):  # type: ignore[no-untyped-def]
    """The calling agent's notifications, newest first, with how many are unread."""
    agent = current_agent(request)
    if filters.unread:
        found = queries.unread_notifications(agent.pk, limit=filters.limit)
    else:
        found = queries.agent_notifications(agent.pk, limit=filters.limit)
    numbers = queries.conversation_numbers(
        agent.workspace_id, {n.conversation_id for n in found if n.conversation_id}
    )
    return {
        "unread_count": queries.unread_count(agent.pk),
        "notifications": [
            {
                "id": n.pk,
                "text": n.text,
                "conversation_id": n.conversation_id,
                "conversation_number": numbers.get(n.conversation_id or 0),
                "rule_id": n.rule_id,
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in found
        ],
    }


@router.post("/read", response={200: ReadOut, 401: Error, 422: ValidationErrorOut})
def mark_read(request: HttpRequest, body: ReadIn):  # type: ignore[no-untyped-def]
    """Mark the calling agent's notifications read: those of ``ids`` (another agent's
    are left alone), or every unread one (an empty object `{}`)."""
    agent = current_agent(request)
    ids = body.ids
    if ids is not None and len(ids) > 1000:
        ids = ids[:1000]
    marked = actions.mark_notifications_read(agent.pk, ids)
    return {"marked": marked, "unread_count": queries.unread_count(agent.pk)}
