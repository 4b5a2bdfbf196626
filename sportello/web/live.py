"""What the agent pages are told live: domain events as small notifications.

Each handler (registered in ``sportello/config/event_handlers.py``) pushes one notification
to the workspace's group; every open inbox and conversation page of the workspace gets it
and fetches what changed by URL, with its own agent's permissions (``static/web/live.js``).
A notification carries ids, never content: nothing an agent may not see travels on the
socket. ``id`` is the timeline entry it is about, when there is one: a page remembers the
highest it saw and, after a dropped socket, asks for what came after it (``consumers``).
"""

from __future__ import annotations

from typing import Any

from sportello.automation.events import NotificationsAdded
from sportello.conversations import events as conversation_events
from sportello.conversations.queries import opened_notice
from sportello.core.realtime import push, workspace_group
from sportello.customers.queries import customer_name
from sportello.feedback.events import SurveyAnswered
from sportello.outbound import events as outbound_events

_NAMES: dict[type, str] = {
    conversation_events.MessageReceived: "message.received",
    conversation_events.ReplySent: "message.sent",
    conversation_events.AutomaticReplySent: "message.sent",
    conversation_events.NoteAdded: "note.added",
    conversation_events.ConversationAssigned: "conversation.assigned",
    conversation_events.StatusChanged: "conversation.updated",
    conversation_events.ConversationUpdated: "conversation.updated",
    conversation_events.RepeatContactFound: "conversation.updated",
    # A customer answered a survey: the side panel shows the answer.
    SurveyAnswered: "conversation.updated",
    outbound_events.DeliverySent: "delivery.changed",
    outbound_events.DeliveryFailed: "delivery.changed",
    # A delivery due again (its first attempt, an agent's retry): "queued" on the reply.
    outbound_events.DeliveryQueued: "delivery.changed",
}


def notify(workspace_id: int, event: dict[str, Any]) -> None:
    push(workspace_group(workspace_id), {"type": "live.event", "event": event})


def conversation_changed(
    event: conversation_events.ConversationEvent | outbound_events.DeliveryEvent | SurveyAnswered,
) -> None:
    """A message, a note, a status, an assignment or a delivery's state changed."""
    payload: dict[str, Any] = {"event": _NAMES[type(event)], "conversation": event.conversation_id}
    message_id = getattr(event, "message_id", None)
    if message_id is not None:
        payload["id"] = message_id
    if isinstance(event, conversation_events.ConversationAssigned):
        payload["assignee"] = event.assignee_id
    notify(event.workspace_id, payload)


def conversation_opened(event: conversation_events.ConversationOpened) -> None:
    """A new conversation: with what a browser notification shows (its number, subject and
    customer's name, read after the ingest's commit, so with the assignee routing chose).
    Two primary-key reads in plain SQL, each app's own: the ORM's joined read cost a
    millisecond to build, more than half a new chat's after-commit work."""
    row = opened_notice(event.workspace_id, event.conversation_id)
    if row is None:
        return
    number, subject, assignee_id, customer_id = row
    customer = customer_name(customer_id)
    notify(
        event.workspace_id,
        {
            "event": "conversation.opened",
            "conversation": event.conversation_id,
            "number": number,
            "subject": subject,
            "customer": customer,
            "assignee": assignee_id,
        },
    )


def notifications_added(event: NotificationsAdded) -> None:
    """A rule notified some agents: their pages fetch the bell's count again."""
    notify(event.workspace_id, {"event": "notification.added", "agents": list(event.agent_ids)})
