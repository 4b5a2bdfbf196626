"""The in-process event bus.

Actions publish typed events; handlers run after the surrounding transaction commits, in
the order they were registered (see ``sportello/config/event_handlers.py``). A failing
handler is logged and skipped: it never breaks the write that triggered it, nor the
handlers after it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of every domain event: which workspace it happened in."""

    workspace_id: int


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]

_handlers: dict[type[Event], list[Handler]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)


def handlers_for(event_type: type[Event]) -> list[Handler]:
    found: list[Handler] = []
    for klass in event_type.__mro__:
        found.extend(_handlers.get(klass, []))  # type: ignore[call-overload]
    return found


def dispatch(event: Event) -> None:
    for handler in handlers_for(type(event)):
        try:
            handler(event)
        except Exception:
            log.exception("event handler %r failed on %r", handler, event)


def publish(event: Event) -> None:
    """Deliver ``event`` to its handlers once the current transaction commits."""
    transaction.on_commit(lambda: dispatch(event), robust=True)
