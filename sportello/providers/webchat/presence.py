"""Who is there: a visitor's widget seen lately, an agent typing, the business's hours.

Kept in the cache (the process's own, or Redis when several processes share one): it is
fleeting state, lost harmlessly on a restart, never the truth about messages.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache

from sportello.core import clock
from sportello.sla.queries import default_calendar, opening_hours

# A polling widget asks every few seconds; a socket refreshes its mark while open.
SEEN_FOR = 90
CONNECTED_FOR = 600
TYPING_FOR = 6


def seen(handle: str, *, seconds: int = SEEN_FOR) -> None:
    cache.set(f"webchat:seen:{handle}", 1, seconds)


def gone(handle: str) -> None:
    cache.delete(f"webchat:seen:{handle}")


def is_here(handle: str) -> bool:
    """Whether the visitor's widget polled or held a socket lately: a reply shown to them
    now is read; otherwise it goes by email when they left one."""
    return bool(handle) and cache.get(f"webchat:seen:{handle}") is not None


def agent_types(conversation_id: int, name: str) -> None:
    cache.set(f"webchat:typing:{conversation_id}", name, TYPING_FOR)


def agent_typing(conversation_ids: list[int]) -> str:
    """The display name of an agent typing in one of these conversations, or ""."""
    if not conversation_ids:
        return ""
    names = cache.get_many([f"webchat:typing:{pk}" for pk in conversation_ids])
    return next((str(n) for n in names.values() if n), "")


def next_opening(workspace_id: int, now: datetime | None = None) -> datetime | None:
    """None while the business is open by its default calendar (or has none), else when
    it opens next: what the widget promises a visitor who writes now."""
    calendar = default_calendar(workspace_id)
    if calendar is None:
        return None
    now = now or clock.now()
    try:
        hours = opening_hours(calendar)
        start, _end = next(iter(hours.openings(now)))
    except (StopIteration, ValueError):
        return None
    if start <= now:
        return None
    # A week or more away means a calendar with no hours at all: promise nothing.
    return start if start - now < timedelta(days=14) else None
