"""Reactions of outbound to other apps' events (registered in config/event_handlers.py)."""

from __future__ import annotations

from sportello.conversations.events import ReplySent
from sportello.conversations.models import Message
from sportello.outbound.actions import queue_delivery
from sportello.outbound.events import DeliveryQueued
from sportello.outbound.jobs import deliver


def queue_delivery_for_reply(event: ReplySent) -> None:
    """An agent replied: send it through the conversation's channel, when it can send."""
    message = (
        Message.objects.select_related("channel")
        .filter(pk=event.message_id, workspace_id=event.workspace_id)
        .first()
    )
    if message is not None:
        queue_delivery(message)


def send_queued_delivery(event: DeliveryQueued) -> None:
    """A delivery is due: its attempt runs as a job (retried with a growing backoff)."""
    deliver(event.delivery_id)
