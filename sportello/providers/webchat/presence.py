"""Who is there: a visitor's widget seen lately, an agent typing, the business's hours.

Kept in the cache (the process's own, or Redis when several processes share one): it is
fleeting state, lost harmlessly on a restart, never the truth about messages.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.core.cache import cache

from sportello.core import clock
from sportello.sla.queries import default_calendar, opening_hours

log = logging.getLogger(__name__)

# A polling widget asks every few seconds, and each poll marks it for SEEN_FOR. A socket
# marks its visitor for CONNECTED_FOR when it opens, and its process renews the marks of
# all its open sockets every REFRESH_EVERY (``keep_sockets_marked``), so a visitor who
# waits quietly for a reply with the page open is still here; a process that dies leaves
# marks that lapse within CONNECTED_FOR.
SEEN_FOR = 90
CONNECTED_FOR = 180
REFRESH_EVERY = 60
TYPING_FOR = 6

_sockets: Counter[str] = Counter()  # open widget sockets of this process, by visitor
_sockets_lock = threading.Lock()
_refreshing: set[asyncio.AbstractEventLoop] = set()


def _key(handle: str) -> str:
    return f"webchat:seen:{handle}"


def seen(handle: str) -> None:
    """A poll or a message over HTTP: the visitor is here for SEEN_FOR. A visitor with a
    socket open in this process keeps the socket's longer, renewed mark."""
    if handle not in _sockets:
        cache.set(_key(handle), 1, SEEN_FOR)


def gone(handle: str) -> None:
    cache.delete(_key(handle))


def socket_opened(handle: str) -> None:
    with _sockets_lock:
        _sockets[handle] += 1
    cache.set(_key(handle), 1, CONNECTED_FOR)


def socket_closed(handle: str) -> None:
    with _sockets_lock:
        _sockets[handle] -= 1
        still_open = _sockets[handle] > 0
        if not still_open:
            del _sockets[handle]
    if not still_open:
        gone(handle)


def refresh_sockets() -> int:
    """Renew the marks of this process's open sockets (one cache round trip); how many."""
    with _sockets_lock:
        handles = list(_sockets)
    if handles:
        cache.set_many({_key(handle): 1 for handle in handles}, CONNECTED_FOR)
    return len(handles)


def keep_sockets_marked(loop: asyncio.AbstractEventLoop) -> None:
    """Start renewing this process's socket marks on ``loop``, once per loop."""
    if loop in _refreshing:
        return
    _refreshing.add(loop)
    loop.create_task(_refresh_forever(loop))


async def _refresh_forever(loop: asyncio.AbstractEventLoop) -> None:
    try:
        while True:
            await asyncio.sleep(REFRESH_EVERY)
            try:
                await sync_to_async(refresh_sockets, thread_sensitive=False)()
            except Exception:  # the cache is down: try again at the next turn
                log.warning("visitor presence not renewed", exc_info=True)
    finally:
        _refreshing.discard(loop)


def is_here(handle: str) -> bool:
    """Whether the visitor's widget polled or held a socket lately: a reply shown to them
    now is read; otherwise it goes by email when they left one."""
    return bool(handle) and cache.get(_key(handle)) is not None


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
