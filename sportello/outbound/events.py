"""Domain events of outbound deliveries, published on commit."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class DeliveryEvent(Event):
    """Something happened to a reply's delivery; the reply and its conversation are named,
    so that the pages open on it are told without reading the delivery back."""

    delivery_id: int
    message_id: int
    conversation_id: int


@dataclass(frozen=True)
class DeliveryQueued(DeliveryEvent):
    """A delivery is due: its first attempt, or an agent's retry."""


@dataclass(frozen=True)
class DeliverySent(DeliveryEvent):
    pass


@dataclass(frozen=True)
class DeliveryFailed(DeliveryEvent):
    """The last attempt failed: the reply did not reach the customer."""

    error: str
