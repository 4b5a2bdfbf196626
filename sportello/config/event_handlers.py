"""Which handlers react to which domain events, in the order they run.

Handlers run after the triggering transaction commits (see ``sportello.core.events``).
Apps add their handlers to ``HANDLERS`` here, so the whole list is readable in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.core.events import Event, subscribe

# (event type, handler), in execution order.
HANDLERS: list[tuple[type[Event], Callable[[Any], None]]] = []


def register_all() -> None:
    for event_type, handler in HANDLERS:
        subscribe(event_type, handler)
