"""Rate limits of the widget's public endpoints, counted in the cache.

The cache is the process's own (embedded) or Redis (several processes share it), so the
counts hold across a scaled-out installation. Fixed windows of a minute: simple, and a
burst at a window's edge can reach twice the limit, which is harmless for a chat.
"""

from __future__ import annotations

import time

from django.core.cache import cache

# Per minute. A person types a few messages a minute; a poll every few seconds is 20.
MESSAGES_PER_VISITOR = 20
MESSAGES_PER_IP = 60
REQUESTS_PER_IP = 600
WINDOW = 60


def spent(key: str, limit: int) -> bool:
    """Count one more for ``key`` in this minute; True when the limit is passed."""
    window = int(time.time()) // WINDOW
    return _count(f"webchat:rate:{key}:{window}") > limit


def _count(name: str) -> int:
    # Redis counts in one round trip (``sportello.config.cache``); the embedded cache
    # through Django's add and incr.
    count = getattr(cache, "count", None)
    if count is not None:
        return int(count(name, WINDOW * 2))
    if cache.add(name, 1, WINDOW * 2):
        return 1
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add and incr
        cache.add(name, 1, WINDOW * 2)
        return 1
