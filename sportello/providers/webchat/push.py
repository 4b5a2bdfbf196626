"""Pushing to open sockets through Channels' layer: the widget's visitors of a
conversation, and the agents who watch it.

Groups: ``webchat.c<conversation id>`` holds the sockets of the visitors who wrote in that
conversation (``consumer``); ``webchat.agents.c<conversation id>`` is where a visitor's
typing, read receipts and messages go for the agents' pages (the realtime layer's agent
consumer joins it). A push is a notification only: the database is the truth, and a
client that missed one catches up with ``after=<last id>``. Without a channel layer
(``CHANNEL_LAYERS`` unset) a push does nothing and the widget's polling carries the chat.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def visitors_group(conversation_id: int) -> str:
    return f"webchat.c{int(conversation_id)}"


def agents_group(conversation_id: int) -> str:
    return f"webchat.agents.c{int(conversation_id)}"


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "chat.event", "event": event})
    except Exception:  # a push never breaks the write that triggered it
        log.exception("push to %s failed", group)


def to_visitors(conversation_id: int, event: dict[str, Any]) -> None:
    _send(visitors_group(conversation_id), event)


def to_agents(conversation_id: int, event: dict[str, Any]) -> None:
    _send(agents_group(conversation_id), event)
