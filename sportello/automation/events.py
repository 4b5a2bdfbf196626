"""Domain events of automation, published on commit by its actions."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import Event


@dataclass(frozen=True)
class NotificationsAdded(Event):
    """A rule's ``notify`` told these agents something (their bell counts again)."""

    agent_ids: tuple[int, ...]
