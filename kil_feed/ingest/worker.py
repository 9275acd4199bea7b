"""`kil worker crawl`: crawl processes fed by the shared Redis queue, recorded here.

Each worker starts `processes` scrapy-redis spider processes per source kind
(`crawler.spiders.workers`) with the same pipe as a local crawl, and records what they
send through `kil_feed.storage` in one transaction per batch. A source's requests may be
spread over many workers: every batch *adds* its counts to the source's run
(`finish_runs`), and the run is closed (and the source's health and validators written,
once, by the worker that fetched it) when the source's own answer arrives.

What the processes take off the queue is leased to this worker (`crawler.leases`) until
the commit that stores what it led to; the worker's heartbeat key expires LEASE_SECONDS
after a `kill -9`, and any live worker then puts the dead one's leases back on the queue
(`requeue_dead`), so nothing taken is lost and nothing stored is stored twice (a request
made again finds its items stored and counts them as duplicates). The worker checks Redis
every PING_SECONDS: when it is lost, the processes are stopped, what they sent is stored,
and `QueueError` says why.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import secrets
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from crawler.leases import REQUEUE
from crawler.records import CrawledItem, Record, SourceStatus
from kil_feed.config import Settings
from kil_feed.db import make_engine, write_session
from kil_feed.errors import QueueError
from kil_feed.ingest.launcher import CrawlProcess, start_process
from kil_feed.ingest.logs import log_dir
from kil_feed.ingest.queue import (
    connect,
    heartbeat_key,
    lease_key,
    queue_keys,
    requeue_dead,
    worker_spider,
    workers_key,
)
from kil_feed.ingest.recorder import warning_text
from kil_feed.ingest.scrapy_settings import command_line, scrapy_settings
from kil_feed.ingest.warm import crawl_environment, profiler
from kil_feed.rules import decider
from kil_feed.storage.crawl_runs import RunResult, finish_runs
from kil_feed.storage.crawled import store_crawled
from kil_feed.storage.notices import save_checkpoints
from kil_feed.storage.sources import FetchOutcome, record_fetches, source_names

logger = logging.getLogger(__name__)
PING_SECONDS = 2.0
LEASE_SECONDS = 10  # a worker's heartbeat outlives it by at most this
REAP_SECONDS = 5.0
FLUSH_SECONDS = 0.5
MAX_PENDING_BATCHES = 2
STOP_GRACE = 30.0


@dataclass
class WorkerReport:
    """What one worker stored before it stopped."""

    items: int = 0
    new: int = 0
    answered: int = 0  # sources whose own answer this worker recorded


class WorkerRecorder:
    """Buffers records from the worker's processes; each flush is one transaction, written
    by a writer thread while the reading goes on (at most MAX_PENDING_BATCHES queued), so
    the crawl processes never wait on a full pipe while a batch is being committed."""

    def __init__(
        self,
        settings: Settings,
        engine: Any,
        on_stored: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.on_stored = on_stored  # gets the leases released by each commit
        self.rules = settings.rules
        self.engine = engine
        self.batch_size = max(1, settings.crawl.store_batch_size)
        self.records: list[Record] = []
        self.items = 0
        self.runs: dict[int, int] = {}  # source id -> its latest run (for drops)
        self.names: dict[int, str] = {}
        self.last_flush = time.monotonic()
        self.report = WorkerReport()
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kil-worker-store")
        self.pending: list[Future[None]] = []

    def take(self, records: Iterable[Record]) -> None:
        for record in records:
            self.records.append(record)
            if record[0] == "item":
                self.items += 1
        self.tick()

    def tick(self) -> None:
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        if self.items >= self.batch_size or (due and self.records):
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the writer (a failed write is raised here, next time)."""
        records, self.records, self.items = self.records, [], 0
        self.last_flush = time.monotonic()
        if not records:
            return
        while len(self.pending) >= MAX_PENDING_BATCHES:  # back-pressure: bounded memory
            self.pending.pop(0).result()
        self.pending = [f for f in self.pending if not f.done() or f.result()]
        self.pending.append(self.writer.submit(self._write, records))

    def close(self) -> None:
        """Write what is left and wait for every write."""
        try:
            self.flush()
            for future in self.pending:
                future.result()
        finally:
            self.writer.shutdown(wait=True)

    def _write(self, records: list[Record]) -> None:
        rows: list[CrawledItem] = [r[1] for r in records if r[0] == "item"]
        statuses: list[SourceStatus] = [r[1] for r in records if r[0] == "status"]
        for row in rows:
            if row.get("run_id"):
                self.runs[row["source_id"]] = row["run_id"]  # type: ignore[assignment]
        for status in statuses:
            if status.get("run_id"):
                self.runs[status["source_id"]] = status["run_id"]  # type: ignore[assignment]
        with write_session(self.engine) as session:  # one commit per batch
            unknown = {r["source_id"] for r in rows} - set(self.names)
            self.names.update(source_names(sorted(unknown), session=session))
            decide = decider(self.rules, self.names)
            counts: dict[int, Counter[str]] = {}
            for source_id, outcome in store_crawled(rows, session=session, decide=decide):
                if source_id in self.runs:
                    key = "duplicate" if outcome == "unchanged" else outcome
                    counts.setdefault(self.runs[source_id], Counter())[key] += 1
            for record in records:
                if record[0] == "dropped" and record[1] in self.runs:
                    key = "duplicate" if record[2] else "dropped"
                    counts.setdefault(self.runs[record[1]], Counter())[key] += 1
            fatal = [s for s in statuses if s["fatal"]]
            record_fetches(
                [FetchOutcome(s["source_id"], error=s["error"], etag=s["etag"],
                              last_modified=s["last_modified"],
                              warning=warning_text(s["problem"], s.get("kind")),
                              title=s.get("site_title"))
                 for s in fatal],
                session=session,
            )  # fmt: skip
            checkpoints = {s["source_id"]: s["checkpoint"] for s in statuses
                           if s.get("checkpoint") is not None}  # fmt: skip
            if checkpoints:  # notices: how far their API was read, after the items
                save_checkpoints(checkpoints, session=session)  # type: ignore[arg-type]
            finish_runs(_run_results(counts, statuses), session=session)
        released = [f for r in records if r[0] == "done" for f in r[1]]
        if released and self.on_stored is not None:
            self.on_stored(released)
        self.report.items += len(rows)
        self.report.new += sum(c["new"] for c in counts.values())
        self.report.answered += len(fatal)


def _run_results(counts: dict[int, Counter[str]], statuses: list[SourceStatus]) -> list[RunResult]:
    """One result per run touched by a batch: its counts, its answer, its page errors."""
    answers: dict[int, SourceStatus] = {}
    errors: dict[int, list[str]] = {}
    for status in statuses:
        run_id = status.get("run_id")
        if not run_id:
            continue
        if status["fatal"]:
            answers[run_id] = status
        for text in (
            status["error"],
            warning_text(status["problem"], status.get("kind")),
        ):
            if text:
                errors.setdefault(run_id, []).append(text)
    results = []
    for run_id in sorted(set(counts) | set(errors) | set(answers)):
        c = counts.get(run_id, Counter())
        answer = answers.get(run_id)
        results.append(
            RunResult(
                run_id,
                new=c["new"],
                updated=c["updated"],
                duplicate=c["duplicate"],
                dropped=c["dropped"],
                http_status=answer["http_status"] if answer else None,
                error="; ".join(errors[run_id]) if run_id in errors else None,
                answered=answer is not None,
            )  # fmt: skip
        )
    return results


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
        recorder.writer.shutdown(wait=True)  # after a failure too: no writer left behind
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


class Heartbeat:
    """This worker in Redis: a heartbeat key renewed every PING_SECONDS (it expires
    LEASE_SECONDS after a `kill -9`), its lease hash emptied as what it took is stored,
    and dead workers' leases put back on the queue (`requeue_dead`) every REAP_SECONDS."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client, self.prefix = client, prefix
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.key = heartbeat_key(prefix, self.worker_id)
        self.leases = lease_key(prefix, self.worker_id)
        self.lost: str | None = None
        self.next_reap = 0.0
        self.beat()  # alive before it is listed: a reaper never takes it for dead
        client.sadd(workers_key(prefix), self.worker_id)

    def beat(self) -> None:
        """Renew the heartbeat, and now and then requeue dead workers' leases."""
        self.client.set(self.key, "1", ex=LEASE_SECONDS)
        if time.monotonic() >= self.next_reap:
            self.next_reap = time.monotonic() + REAP_SECONDS
            requeued = requeue_dead(self.client, self.prefix)
            if requeued:
                logger.warning("requeued %d requests of a worker that is gone", requeued)

    def release(self, fields: list[str]) -> None:
        """What these leases led to is stored."""
        import redis

        try:
            self.client.hdel(self.leases, *fields)
        except (redis.RedisError, OSError) as exc:
            self.lost = self.lost or str(exc) or type(exc).__name__

    def end(self) -> None:
        """A clean stop (the processes have ended): what they had not finished goes back on
        the queue at once, for the other workers."""
        import redis

        with contextlib.suppress(redis.RedisError, OSError):
            requeued = int(self.client.register_script(REQUEUE)(keys=[self.leases]))
            if requeued:
                logger.info("requeued %d unfinished requests on stopping", requeued)
            self.client.delete(self.key)
            self.client.srem(workers_key(self.prefix), self.worker_id)


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
        pipes = {c.connection: c for c in crawls if c.connection is not None}
        try:
            for ready in wait(list(pipes), timeout=0.1):
                _receive(recorder, pipes[ready])  # type: ignore[index]
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


def _receive(recorder: WorkerRecorder, crawl: CrawlProcess) -> None:
    assert crawl.connection is not None
    try:
        batch = crawl.connection.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        crawl.connection.close()
        crawl.connection = None
        return
    recorder.take(batch)


__all__ = ["WorkerReport", "run_worker"]
