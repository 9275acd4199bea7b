"""The lease scripts (`crawler.leases`) on a real Redis: what a worker takes off the queue
is held in its lease hash, and a dead worker's leases go back where they came from, once."""

from __future__ import annotations

import secrets

import pytest

from crawler.leases import POP_REQUEST, POP_SOURCES
from kil_feed.ingest.queue import heartbeat_key, lease_key, leased, requeue_dead, workers_key


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    import redis

    prefix = f"kiltest:{secrets.token_hex(4)}:"
    connection = redis.Redis(socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield connection, prefix
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
    connection.close()


def test_a_dead_workers_sources_and_requests_go_back_once(client):  # type: ignore[no-untyped-def]
    redis_client, prefix = client
    sources, requests = f"{prefix}feeds_worker:start_urls", f"{prefix}feeds_worker:requests"
    redis_client.rpush(sources, b"s1", b"s2", b"s3")
    redis_client.zadd(requests, {b"r-low": 5, b"r-high": -10})
    dead, alive = "host-1-aaa", "host-2-bbb"
    for worker in (dead, alive):
        redis_client.sadd(workers_key(prefix), worker)
    redis_client.set(heartbeat_key(prefix, alive), "1", ex=60)  # `dead` has no heartbeat

    taken = redis_client.register_script(POP_SOURCES)(
        keys=[sources, lease_key(prefix, dead)], args=[2]
    )
    assert taken[1::2] == [b"s1", b"s2"] and redis_client.lrange(sources, 0, -1) == [b"s3"]
    field, request = redis_client.register_script(POP_REQUEST)(
        keys=[requests, lease_key(prefix, dead)]
    )
    assert request == b"r-high"  # scrapy-redis's order: the lowest score first
    assert redis_client.zrange(requests, 0, -1) == [b"r-low"]
    redis_client.register_script(POP_REQUEST)(keys=[requests, lease_key(prefix, alive)])
    assert leased(redis_client, prefix) == 4

    assert requeue_dead(redis_client, prefix) == 3
    back = redis_client.lrange(sources, 0, -1)
    assert set(back[:2]) == {b"s1", b"s2"} and back[2:] == [b"s3"]  # at the head again
    assert redis_client.zrange(requests, 0, -1, withscores=True) == [(b"r-high", -10.0)]
    assert redis_client.smembers(workers_key(prefix)) == {alive.encode()}
    assert leased(redis_client, prefix) == 1  # the live worker keeps its own
    assert requeue_dead(redis_client, prefix) == 0  # once
