from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class CustomerCreated(Event):
    customer_id: int


@dataclass(frozen=True)
class CustomerUpdated(Event):
    customer_id: int
    fields: tuple[str, ...]
