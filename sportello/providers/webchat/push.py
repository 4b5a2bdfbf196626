"""Pushing to open sockets through Channels' layer: the widget's visitors of a
conversation, and the agents who watch it.

Groups: ``webchat.c<conversation id>`` holds the sockets of the visitors who wrote in that
conversation (``consumer``); ``webchat.agents.c<conversation id>`` is where a visitor's
typing, read receipts and messages go for the agents' pages (the realtime layer's agent
consumer joins it). A push is a notification only: the database is the truth, and a
client that missed one catches up with ``after=<last id>``. Without a channel layer
(``CHANNEL_LAYERS`` unset), or in a process with the in-memory layer and no socket, a push
does nothing and the widget's polling carries the chat.
"""

from __future__ import annotations

from typing import Any

from sportello.core import realtime


def visitors_group(conversation_id: int) -> str:
    return f"webchat.c{int(conversation_id)}"


def agents_group(conversation_id: int) -> str:
    return f"webchat.agents.c{int(conversation_id)}"


def _send(group: str, event: dict[str, Any]) -> None:
    # Handed to the server's event loop without waiting (``realtime.push``): the database
    # thread that stored the message goes on at once, and a failed push is only logged.
    # It used ``async_to_sync``, which held that thread until the loop had sent it: at
    # 100 messages/s that wait was a third of each message's time (docs/performance.md).
    realtime.push(group, {"type": "chat.event", "event": event})


def to_visitors(conversation_id: int, event: dict[str, Any]) -> None:
    _send(visitors_group(conversation_id), event)


def to_agents(conversation_id: int, event: dict[str, Any]) -> None:
    _send(agents_group(conversation_id), event)
