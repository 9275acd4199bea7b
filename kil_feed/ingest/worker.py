"""`kil worker crawl`: crawl processes fed by the shared Redis queue, recorded here.

Each worker starts `processes` scrapy-redis spider processes per source kind
(`crawler.spiders.workers`) with the same pipe as a local crawl, and records what they
send with its `worker_recorder.WorkerRecorder`. What they take off the queue is leased to
this worker until it is stored (`heartbeat.Heartbeat`), so a `kill -9` loses nothing and
nothing stored is stored twice (a request made again finds its items stored and counts
them as duplicates). The worker checks Redis every PING_SECONDS: when it is lost, the
processes are stopped, what they sent is stored, and `QueueError` says why.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from kil_feed.config import Settings
from kil_feed.db import make_engine
from kil_feed.errors import QueueError
from kil_feed.ingest.heartbeat import Heartbeat
from kil_feed.ingest.launcher import CrawlProcess, receive_all, start_process
from kil_feed.ingest.logs import log_dir
from kil_feed.ingest.queue import connect, lease_key, queue_keys, worker_spider
from kil_feed.ingest.scrapy_settings import command_line, scrapy_settings
from kil_feed.ingest.warm import crawl_environment, profiler
from kil_feed.ingest.worker_recorder import WorkerRecorder, WorkerReport

logger = logging.getLogger(__name__)
PING_SECONDS = 2.0
STOP_GRACE = 30.0


def worker_scrapy_settings(
    settings: Settings, *, worker_id: str, idle_exit: float = 0
) -> dict[str, Any]:
    """The Scrapy settings of a worker process: scrapy-redis's scheduler and dupe filter."""
    values = scrapy_settings(settings)
    values.update(
        SCHEDULER="scrapy_redis.scheduler.Scheduler",
        DUPEFILTER_CLASS="scrapy_redis.dupefilter.RFPDupeFilter",
        SCHEDULER_PERSIST=True,  # a stopped or killed worker leaves the queue to the others
        REDIS_URL=settings.crawl.redis_url,
        MAX_IDLE_TIME_BEFORE_CLOSE=int(idle_exit),
        SCHEDULER_QUEUE_CLASS="crawler.spiders.workers.LeasedQueue",
        KIL_LEASE_KEY=lease_key(settings.crawl.redis_prefix, worker_id),
        **queue_keys(settings.crawl.redis_prefix),
    )
    return values


def run_worker(
    settings: Settings,
    *,
    processes: int = 1,
    kinds: Iterable[str] = ("feed", "page", "jobs"),
    idle_exit: float = 0,
    stop: threading.Event | None = None,
    on_start: Callable[[list[CrawlProcess]], None] | None = None,
) -> WorkerReport:
    """Run crawl processes on the shared queue until they end (idle), `stop`, or Redis goes."""
    stop = stop or threading.Event()
    import redis

    client = connect(settings)
    prefix = settings.crawl.redis_prefix
    try:
        worker = Heartbeat(client, prefix)
    except (redis.RedisError, OSError) as exc:  # Redis went between the PING and here
        client.close()
        raise QueueError(
            f"lost the crawl queue at {settings.crawl.redis_url}: {exc}",
            hint="start the worker again when Redis is back",
        ) from exc
    engine = make_engine(settings)
    recorder = WorkerRecorder(settings, engine, on_stored=worker.release)
    arguments = command_line(
        worker_scrapy_settings(settings, worker_id=worker.worker_id, idle_exit=idle_exit)
    )
    env, logs = crawl_environment(), log_dir(settings)
    token = f"{time.strftime('%Y%m%dT%H%M%S')}-{int(time.time() * 1000) % 100000}"
    crawls: list[CrawlProcess] = []
    lost: str | None = None
    try:
        for kind in kinds:
            for number in range(processes):
                log_path = logs / f"worker-{token}-{kind}-{number}.log"
                profile = profiler(f"worker-{kind}-{number}")
                cmd = [sys.executable, *profile, "-m", "scrapy", "crawl",
                       worker_spider(kind), "--logfile", str(log_path), *arguments]  # fmt: skip
                crawls.append(start_process(cmd, env, kind, log_path, []))
        if on_start is not None:
            on_start(crawls)
        lost = _collect(recorder, crawls, worker, stop)
        recorder.close()
        lost = lost or worker.lost
    finally:
        for crawl in crawls:
            crawl.terminate("worker stopped")
        for crawl in crawls:
            try:
                crawl.process.wait(STOP_GRACE)
            except Exception:  # noqa: BLE001 - hung: killed below
                logger.warning("crawl worker process hung pid=%s: killing it", crawl.process.pid)
            crawl.kill()
        recorder.writer.shutdown()  # after a failure too: no writer left behind
        worker.end()
        client.close()
        engine.dispose()
    if lost is not None:
        raise QueueError(
            f"lost the crawl queue at {settings.crawl.redis_url}: {lost}; the worker's crawl "
            f"processes were stopped and what they had fetched is stored",
            hint="start the worker again when Redis is back; queued requests are kept there",
        )
    return recorder.report


def _collect(
    recorder: WorkerRecorder, crawls: list[CrawlProcess], worker: Heartbeat, stop: threading.Event
) -> str | None:
    """Record until every pipe is closed; the reason if Redis was lost."""
    import redis

    next_ping = time.monotonic() + PING_SECONDS
    lost: str | None = None
    stopping = False
    while any(c.connection is not None for c in crawls):
        lost = lost or worker.lost
        if (stop.is_set() or lost) and not stopping:
            stopping = True
            for crawl in crawls:
                crawl.terminate("worker stopped")
        try:
            receive_all(crawls, recorder.take, timeout=0.1)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop the processes, keep recording
            if stop.is_set():
                raise  # a second one: at once
            stop.set()
        recorder.tick()
        if lost is None and time.monotonic() >= next_ping:
            next_ping = time.monotonic() + PING_SECONDS
            try:
                worker.beat()
            except (redis.RedisError, OSError) as exc:
                lost = str(exc) or type(exc).__name__
                logger.info("crawl queue lost error=%s: stopping the crawl processes", lost)
    if lost is None and not stop.is_set():  # the processes ended by themselves: why?
        try:
            worker.beat()
        except (redis.RedisError, OSError) as exc:
            lost = str(exc) or type(exc).__name__
    return lost


__all__ = ["WorkerReport", "run_worker"]
