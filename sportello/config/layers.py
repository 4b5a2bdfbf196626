"""The channel layer of a single process (the embedded install): Channels' in-memory
layer, with its expiry sweep made cheap.

Channels' ``InMemoryChannelLayer`` walks every channel and every group membership to drop
expired messages on *each* send and receive: with 1,000 widget sockets open that walk was
the largest single cost on the event loop (12% of the server's time at 100 messages/s,
docs/performance.md). Here it walks at most once a second; a message expires at most a
second later than its 60 s, which no consumer can tell.

Its ``group_send`` also started a task for each member and waited for them all, although
each send only puts the message on a queue and never waits: here the members' queues get
it one after the other, in the same order, with no task.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0


class LocalChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    _swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A socket too far behind misses this one; the others still get it.
            with suppress(ChannelFull):
                await self.send(channel, message)
