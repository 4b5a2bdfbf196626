"""The cache shared by every process when Redis is configured: Django's Redis cache, with
one client and one connection pool per process instead of one per operation or per socket.

Two costs of Django's ``RedisCache`` are removed here:

- ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on the connection pool for
  *each* get, set or incr, and redis-py fills ~170 response callbacks into a fresh
  dictionary in every constructor. A chat message asks the cache four times (rate limit,
  presence, the rules' "any?"): building those clients was 40% of the message's CPU on the
  scaled-out setup (docs/performance.md).
- ``django.core.cache.caches`` keeps one cache object per asyncio context, and every chat
  socket is its own context: each socket built its own client, its own connection pool and
  so its own TCP connection to Redis, and redis-py 8 reads installed packages' metadata for
  every new connection (about 8 ms). At 500 sockets that made the server spend more CPU
  on opening Redis connections than on the chat itself.

A rate limit's count (``count``) is one round trip: Django's ``add`` and then ``incr``
(which asks ``EXISTS`` before ``INCRBY``) made it three for each chat message.

A ``redis.Redis`` and its pool are safe to share between threads and contexts (each command
takes a connection from the pool), so the client lives in this module, one per server list
and options, for the life of the process. redis-py's pool notices a fork and starts afresh.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_shared: dict[str, SharedClientRedisCacheClient] = {}
_shared_lock = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # Django's class has no type hints
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Two threads may both build one here at first: either serves.
            client = self._clients[index] = django_client._client(
                connection_pool=django_client._get_connection_pool(write)
            )
        return client


class SharedClientRedisCache(RedisCache):  # type: ignore[misc]
    @cached_property
    def _cache(self) -> SharedClientRedisCacheClient:
        django_cache: Any = self  # Django's class has no type hints
        servers, options = django_cache._servers, django_cache._options
        key = repr((list(servers), sorted(options.items())))
        with _shared_lock:
            client = _shared.get(key)
            if client is None:
                client = _shared[key] = SharedClientRedisCacheClient(servers, **options)
        return client

    def count(self, key: str, timeout: int) -> int:
        """One more for ``key``, which starts at 0 and lives ``timeout`` seconds from its
        first count: the new count, in one round trip (a pipeline of ``SET NX EX`` and
        ``INCR``, both known to Redis 2.6.12 and later)."""
        django_cache: Any = self
        name = django_cache.make_and_validate_key(key)
        pipe = self._cache.get_client(name, write=True).pipeline(transaction=False)
        pipe.set(name, 0, ex=timeout, nx=True)
        pipe.incr(name)
        return int(pipe.execute()[-1])
