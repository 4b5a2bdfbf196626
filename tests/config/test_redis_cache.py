"""The Redis cache of a scaled-out installation: one client per server, reused."""

from __future__ import annotations

import pytest

from sportello.config.cache import SharedClientRedisCache


def test_the_redis_cache_reuses_one_client_and_still_counts():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/7"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = SharedClientRedisCache(url, {"KEY_PREFIX": "test-shared-client"})
    cache.delete("hits")
    assert cache.add("hits", 1, 60)
    assert cache.incr("hits") == 2 and cache.get("hits") == 2
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use it too
    cache.delete("hits")
