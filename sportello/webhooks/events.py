"""Events of the webhooks app, published on commit."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class WebhookDeliveriesQueued(Event):
    """Deliveries are due now (an event's fan-out, a ping, a redelivery): a job sends each
    (the actions never import the jobs)."""

    delivery_ids: tuple[int, ...]
