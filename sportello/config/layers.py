"""The channel layer of a single process (the embedded install): Channels' in-memory
layer, with its expiry sweep made cheap.

Channels' ``InMemoryChannelLayer`` walks every channel and every group membership to drop
expired messages on *each* send and receive: with 1,000 widget sockets open that walk was
the largest single cost on the event loop (12% of the server's time at 100 messages/s,
docs/performance.md). Here it walks at most once a second; a message expires at most a
second later than its 60 s, which no consumer can tell.
"""

from __future__ import annotations

import time

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
