"""The fan-out of live notifications: group names and ``push``.

Actions publish domain events on commit; the handlers in ``sportello/config/event_handlers``
turn the ones a page shows into a small notification and ``push`` it to a Channels group.
A notification says *what changed* (a conversation's id, a message's id), never the content:
a page fetches what changed by URL, with its agent's permissions, so the database stays the
truth and a lost notification costs a delay, not data (docs/adr/0019).

``push`` never blocks the write that triggered it: it hands the send to an event loop and
returns. The loop is the web server's, bound by the first websocket a process accepts
(the in-memory layer's queues live on it); a process that serves no websocket (a job
worker) sends through Redis from a loop of its own, and with the in-memory layer has
nobody to tell, so it sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.cache import cache

log = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None
_own_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()

# Whether anybody of a workspace has an agent page open: a cache key each open socket
# rewrites every ONLINE_REFRESH seconds and that expires ONLINE_FOR seconds after the last
# write, so it holds across processes (Redis) and needs no clean-up when a server dies.
ONLINE_REFRESH = 20
ONLINE_FOR = 3 * ONLINE_REFRESH


def workspace_group(workspace_id: int) -> str:
    """Every agent page of a workspace: the inbox, the sidebar counts, conversation pages."""
    return f"workspace.{int(workspace_id)}"


def conversation_group(conversation_id: int) -> str:
    """The pages open on one conversation: who is viewing, who is typing."""
    return f"conversation.{int(conversation_id)}"


def _online_key(workspace_id: int) -> str:
    return f"realtime:online:{int(workspace_id)}"


def mark_online(workspace_id: int) -> None:
    """An agent page of the workspace holds a live socket (its consumer's heartbeat)."""
    cache.set(_online_key(workspace_id), 1, ONLINE_FOR)


def agents_online(workspace_id: int) -> bool:
    """Whether an agent of the workspace had a live socket in the last ``ONLINE_FOR``
    seconds: the chat widget says "nobody online" otherwise."""
    return cache.get(_online_key(workspace_id)) is not None


def bind_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """The event loop this process's websockets wait on (called as a socket connects)."""
    global _loop
    _loop = loop


def push(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` (a Channels message: ``type`` names the consumer's method) to
    ``group``, without waiting for it."""
    loop = _sending_loop()
    if loop is None:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
    except RuntimeError:  # the loop closed (a server shutting down, a finished test)
        return
    future.add_done_callback(_log_failure)


def _sending_loop() -> asyncio.AbstractEventLoop | None:
    global _own_loop
    if _loop is not None and not _loop.is_closed():
        return _loop
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        return None  # no socket in this process: nobody to tell
    with _lock:
        if _own_loop is None or _own_loop.is_closed():
            _own_loop = asyncio.new_event_loop()
            threading.Thread(
                target=_own_loop.run_forever, name="realtime-push", daemon=True
            ).start()
        return _own_loop


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("live notification not sent: %r", future.exception())
