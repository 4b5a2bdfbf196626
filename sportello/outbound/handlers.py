"""Reactions of outbound to other apps' events (registered in config/event_handlers.py)."""

from __future__ import annotations

from sportello.outbound.events import DeliveryQueued
from sportello.outbound.jobs import deliver


def send_queued_delivery(event: DeliveryQueued) -> None:
    """A delivery is due: its attempt runs as a job (retried with a growing backoff)."""
    deliver(event.delivery_id)
