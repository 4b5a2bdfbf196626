"""The cache shared by every process when Redis is configured: Django's Redis cache, with
one client per server instead of one per operation.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on the connection pool
for *each* get, set or incr, and redis-py fills ~170 response callbacks into a fresh
dictionary in every constructor. A chat message asks the cache four times (rate limit,
presence, the rules' "any?"): building those clients was 40% of the message's CPU on the
scaled-out setup, more than the ingest transaction (docs/performance.md). A ``redis.Redis``
is safe to share between threads (each command takes a connection from the pool), so one
per server is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
