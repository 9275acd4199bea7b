"""The Redis crawl queue from kil-feed's side (`[crawl] backend = "redis"`).

`enqueue_crawl` prepares the due sources (a run each) and pushes each as a JSON
`CrawlSource` onto scrapy-redis's start list of its kind's worker spider
(`crawler.spiders.workers`); `kil worker crawl` processes pop them. The keys are the ones
scrapy-redis reads, named by `queue_keys`, all under `[crawl] redis_prefix`; what a
worker takes off them is leased to it (`crawler.leases`) until stored, and put back by
`requeue_dead` when it dies. What the workers store closes each run, so `wait_for_runs`
follows a crawl by its runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.leases import REQUEUE
from crawler.records import CrawlSource
from kil_feed.config import Settings
from kil_feed.errors import QueueError
from kil_feed.ingest.policy import SPIDER_FOR_KIND
from kil_feed.ingest.sources import prepare_sources

if TYPE_CHECKING:
    import redis
    from sqlalchemy.engine import Engine


WORKER_KINDS = ("feed", "page", "jobs", "notices")


def worker_spider(kind: str) -> str:
    """The scrapy-redis spider of a source kind (`crawler.spiders.workers`)."""
    return f"{SPIDER_FOR_KIND[kind]}_worker"


def queue_keys(prefix: str) -> dict[str, str]:
    """scrapy-redis's key settings, each under `prefix` (its `%(...)s` names kept)."""
    return {
        "REDIS_START_URLS_KEY": f"{prefix}%(name)s:start_urls",
        "SCHEDULER_QUEUE_KEY": f"{prefix}%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}%(spider)s:dupefilter",
    }


def start_key(prefix: str, kind: str) -> str:
    """The list scrapy-redis's worker spider of `kind` takes its sources from."""
    return f"{prefix}{worker_spider(kind)}:start_urls"


def workers_key(prefix: str) -> str:
    """The set of the ids of every worker that has leases (alive or not yet reaped)."""
    return f"{prefix}workers"


def lease_key(prefix: str, worker_id: str) -> str:
    """The hash of what a worker has taken off the queue and not yet stored
    (`crawler.leases`): field -> the entry, as it was queued."""
    return f"{prefix}lease:{worker_id}"


def heartbeat_key(prefix: str, worker_id: str) -> str:
    """A key that lives (a few seconds' TTL, renewed) while the worker does."""
    return f"{prefix}worker:{worker_id}"


def requeue_dead(client: redis.Redis, prefix: str) -> int:
    """Put back on the queue everything held by workers that are gone (heartbeat expired,
    e.g. after `kill -9`); how many entries. REQUEUE moves a lease hash back in one step,
    so two workers reaping at once requeue it once."""
    requeue = client.register_script(REQUEUE)
    requeued = 0
    for raw in client.smembers(workers_key(prefix)):
        worker_id = raw.decode() if isinstance(raw, bytes) else str(raw)
        if client.exists(heartbeat_key(prefix, worker_id)):
            continue
        requeued += int(requeue(keys=[lease_key(prefix, worker_id)]))
        client.srem(workers_key(prefix), worker_id)
    return requeued


def leased(client: redis.Redis, prefix: str) -> int:
    """Entries taken by a worker (alive or dead) and not yet stored."""
    ids = [r.decode() if isinstance(r, bytes) else str(r)
           for r in client.smembers(workers_key(prefix))]  # fmt: skip
    return sum(int(client.hlen(lease_key(prefix, worker_id))) for worker_id in ids)


def connect(settings: Settings) -> redis.Redis:
    """A client of the crawl queue, checked with a PING: `QueueError` if unreachable."""
    import redis

    url = settings.crawl.redis_url
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise QueueError(
            f"cannot reach the crawl queue at {url}: {exc}",
            hint='start Redis, fix [crawl] redis_url, or set [crawl] backend = "local"',
        ) from exc
    return client


def pending(client: redis.Redis, prefix: str, kinds: Sequence[str] = WORKER_KINDS) -> int:
    """Sources and requests still queued (not yet taken by a worker)."""
    total = 0
    for kind in kinds:
        spider = worker_spider(kind)
        total += int(client.llen(start_key(prefix, kind)))
        total += int(client.zcard(f"{prefix}{spider}:requests"))
    return total


@dataclass
class Enqueued:
    """What `kil crawl` put on the queue."""

    run_ids: list[int]
    by_kind: dict[str, int]
    queue_url: str
    sources: list[CrawlSource]


def enqueue_crawl(
    settings: Settings, engine: Engine, *, sources: list[str] | None = None
) -> Enqueued:
    """Start a run for each due source and queue its start request for the workers."""
    client = connect(settings)  # before any run is started: an unreachable queue changes nothing
    prepared = prepare_sources(engine, names=sources, kinds=WORKER_KINDS)
    by_kind: dict[str, int] = {}
    prefix = settings.crawl.redis_prefix
    try:
        if not pending(client, prefix) and not leased(client, prefix):
            # a new crawl: the requests of the last one may be made again
            for kind in WORKER_KINDS:
                client.delete(f"{prefix}{worker_spider(kind)}:dupefilter")
        with client.pipeline() as pipe:
            for source in prepared:
                pipe.rpush(
                    f"{prefix}{worker_spider(source['kind'])}:start_urls", json.dumps(source)
                )
                by_kind[source["kind"]] = by_kind.get(source["kind"], 0) + 1
            pipe.execute()
    except Exception as exc:
        import redis

        if not isinstance(exc, redis.RedisError):
            raise
        raise QueueError(f"lost the crawl queue at {settings.crawl.redis_url}: {exc}") from exc
    finally:
        client.close()
    run_ids = [s["run_id"] for s in prepared if s["run_id"]]
    return Enqueued(run_ids, by_kind, settings.crawl.redis_url, prepared)


def wait_for_runs(
    engine: Engine,
    run_ids: list[int],
    *,
    timeout: float,
    on_progress: Callable[[int, int], None] | None = None,
    poll: float = 0.5,
) -> int:
    """Wait until every run has been closed by a worker (or `timeout`); how many were."""
    from kil_feed.db import read_session
    from kil_feed.storage.crawl_runs import finished_runs

    end = time.monotonic() + timeout
    done = 0
    while True:
        with read_session(engine) as session:
            done = finished_runs(run_ids, session=session)
        if on_progress is not None:
            on_progress(done, len(run_ids))
        if done >= len(run_ids) or time.monotonic() >= end:
            return done
        time.sleep(poll)
