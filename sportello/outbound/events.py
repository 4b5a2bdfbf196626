"""Domain events of outbound deliveries, published on commit."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class DeliveryQueued(Event):
    """A delivery is due: its first attempt, or an agent's retry."""

    delivery_id: int


@dataclass(frozen=True)
class DeliveryEvent(Event):
    delivery_id: int
    message_id: int
    conversation_id: int


@dataclass(frozen=True)
class DeliverySent(DeliveryEvent):
    pass


@dataclass(frozen=True)
class DeliveryFailed(DeliveryEvent):
    """The last attempt failed: the reply did not reach the customer."""

    error: str
