"""Reactions of webhooks to the domain events (registered in config/event_handlers.py).

Each runs after the write that published the event committed (``core.events``): it makes
the event's deliveries in a transaction of its own and their jobs start on that commit.
Nothing here can undo or fail the write; a handler that raises is logged by the bus.
Most events cost nothing: the workspace's subscribed types are cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.conversations.events import (
    ConversationAssigned,
    ConversationOpened,
    MessageReceived,
    ReplySent,
    StatusChanged,
)
from sportello.core import clock
from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.webhooks import actions, payloads, queries
from sportello.webhooks.events import WebhookDeliveriesQueued
from sportello.webhooks.jobs import send_webhook_delivery
from sportello.webhooks.models import EventType


def _queue(
    workspace_id: int,
    event_type: str,
    data: Callable[[], dict[str, Any]],
    *,
    conversation_id: int | None = None,
    customer_id: int | None = None,
) -> None:
    if event_type not in queries.subscribed_types(workspace_id):
        return
    found = data()
    if customer_id is None and "conversation" in found:
        customer_id = found["conversation"]["customer"]["id"]
    actions.queue_event(
        workspace_id,
        event_type,
        found,
        clock.now(),
        conversation_id=conversation_id,
        customer_id=customer_id,
    )


def conversation_opened(event: ConversationOpened) -> None:
    def data() -> dict[str, Any]:
        found = payloads.conversation_data(event.workspace_id, event.conversation_id)
        return {**found, **payloads.customer_data(event.workspace_id, event.customer_id)}

    _queue(
        event.workspace_id,
        EventType.CONVERSATION_OPENED,
        data,
        conversation_id=event.conversation_id,
    )


def message_received(event: MessageReceived) -> None:
    _queue(
        event.workspace_id,
        EventType.MESSAGE_RECEIVED,
        lambda: payloads.message_data(event.workspace_id, event.conversation_id, event.message_id),
        conversation_id=event.conversation_id,
    )


def reply_sent(event: ReplySent) -> None:
    def data() -> dict[str, Any]:
        found = payloads.message_data(event.workspace_id, event.conversation_id, event.message_id)
        return {**found, "is_first_reply": event.is_first_reply}

    _queue(
        event.workspace_id,
        EventType.REPLY_SENT,
        data,
        conversation_id=event.conversation_id,
    )


def conversation_assigned(event: ConversationAssigned) -> None:
    _queue(
        event.workspace_id,
        EventType.CONVERSATION_ASSIGNED,
        lambda: payloads.conversation_data(event.workspace_id, event.conversation_id),
        conversation_id=event.conversation_id,
    )


def status_changed(event: StatusChanged) -> None:
    def data() -> dict[str, Any]:
        found = payloads.conversation_data(event.workspace_id, event.conversation_id)
        return {**found, "old_status": event.old, "new_status": event.new}

    _queue(
        event.workspace_id,
        EventType.STATUS_CHANGED,
        data,
        conversation_id=event.conversation_id,
    )


def customer_created(event: CustomerCreated) -> None:
    _queue(
        event.workspace_id,
        EventType.CUSTOMER_CREATED,
        lambda: payloads.customer_data(event.workspace_id, event.customer_id),
        customer_id=event.customer_id,
    )


def customer_updated(event: CustomerUpdated) -> None:
    def data() -> dict[str, Any]:
        found = payloads.customer_data(event.workspace_id, event.customer_id)
        return {**found, "fields": list(event.fields)}

    _queue(event.workspace_id, EventType.CUSTOMER_UPDATED, data, customer_id=event.customer_id)


def send_queued_deliveries(event: WebhookDeliveriesQueued) -> None:
    for delivery_id in event.delivery_ids:
        send_webhook_delivery(delivery_id)
