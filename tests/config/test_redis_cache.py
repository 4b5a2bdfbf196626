"""The Redis cache of a scaled-out installation: one client per process, reused."""

from __future__ import annotations

import asyncio

import pytest
from django.core.cache import CacheHandler

from sportello.config.cache import SharedClientRedisCache

URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return URL


def test_the_redis_cache_reuses_one_client_and_still_counts(redis_url):
    cache = SharedClientRedisCache(redis_url, {"KEY_PREFIX": "test-shared-client"})
    cache.delete("hits")
    assert cache.add("hits", 1, 60)
    assert cache.incr("hits") == 2 and cache.get("hits") == 2
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use it too
    cache.delete("hits")


def test_every_socket_of_a_process_shares_one_connection_pool(redis_url):
    # Django keeps one cache object per asyncio context, and each chat socket is one: the
    # sockets must still share one pool, or each opens its own connection to Redis.
    caches = CacheHandler(
        {
            "default": {
                "BACKEND": "sportello.config.cache.SharedClientRedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "test-shared-pool",
            }
        }
    )

    async def one_socket(n: int) -> tuple[object, object]:
        await asyncio.sleep(0)
        cache = caches["default"]
        cache.set(f"seen{n}", n, 60)
        return cache, cache._cache.get_client(write=True).connection_pool

    async def sockets() -> list[tuple[object, object]]:
        return await asyncio.gather(*(one_socket(n) for n in range(20)))

    seen = asyncio.run(sockets())
    assert len({id(cache) for cache, _ in seen}) > 1  # Django's per-context objects
    pools = {id(pool) for _, pool in seen}
    assert len(pools) == 1
    pool = seen[0][1]
    assert len(pool._available_connections) + len(pool._in_use_connections) == 1
    assert caches["default"].get("seen7") == 7


def test_a_rate_limit_counts_in_one_round_trip_and_expires(redis_url):
    cache = SharedClientRedisCache(redis_url, {"KEY_PREFIX": "test-count"})
    cache.delete("rate")
    client = cache._cache.get_client(write=True)
    sent: list[object] = []
    real = client.connection_pool.get_connection

    def counting(*args: object, **kwargs: object) -> object:
        sent.append(args)
        return real(*args, **kwargs)

    client.connection_pool.get_connection = counting
    try:
        assert [cache.count("rate", 120) for _ in range(3)] == [1, 2, 3]
    finally:
        del client.connection_pool.get_connection
    assert len(sent) == 3  # one connection taken, one round trip, a count
    assert 0 < client.ttl(cache.make_and_validate_key("rate")) <= 120  # the first set it
    cache.delete("rate")
