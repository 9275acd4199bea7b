"""`run_crawl`: the one orchestrator of a crawl, from the sources to the rows.

prepare the sources (`sources`) -> ask the feeds that most likely did not change whether
they did (`revalidating`: a 304 needs no crawl process) -> start the crawl processes for
the rest (`launcher`) -> read their pipes and record every batch (`recorder`) -> close
each source's run -> typed summaries (`summary`).
One `Deadline` bounds all of it; `stop` (a scheduler shutting down) ends it early.
"""

from __future__ import annotations

import functools
import gc
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from crawler.records import CrawlSource, RobotsAnswer
from kil_feed.config import Settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.ingest.deadline import SHUTDOWN, TIME_LIMIT, Deadline
from kil_feed.ingest.launcher import CrawlProcess, enforce, finish, receive_all
from kil_feed.ingest.launcher import launch as launch_processes
from kil_feed.ingest.logs import log_dir
from kil_feed.ingest.policy import origin_of
from kil_feed.ingest.recorder import CrawlRecorder
from kil_feed.ingest.revalidating import revalidate_first
from kil_feed.ingest.sources import prepare_sources
from kil_feed.ingest.summary import SourceSummary, summaries
from kil_feed.ingest.warm import WarmProcess
from kil_feed.storage.robots import fresh_robots, save_robots

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
REPORT_SECONDS = 0.25
QUEUED = "queued for the crawl workers"


def run_crawl(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    time_limit: float | None = None,
    on_progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    warm: WarmProcess | None = None,
) -> list[SourceSummary]:
    """Crawl the named sources (default: every enabled one) and return per-source results.

    A failing source is recorded on that source and in its summary; it never stops the
    others. `on_progress(done, total)` is called as sources answer. With `[crawl] backend =
    "redis"` the sources are queued for `kil worker crawl` instead (each summary `QUEUED`).
    `warm`, a crawl process started ahead (`kil crawl` starts one first thing), takes the
    first share of the sources; the caller closes it if the crawl did not use it.
    """
    if settings.crawl.topics_file:  # else every crawl process fails on it, each source too
        from kil_feed.topics import topic_catalog

        topic_catalog(settings)
    if settings.crawl.backend == "redis":
        return _enqueue(settings, sources)
    log_dir(settings)  # one line now, not a crawl run left open when its process starts
    deadline = Deadline.after(
        float(time_limit or settings.crawl.time_limit),
        grace=settings.schedule.crawl_kill_margin_seconds,
        stop=stop,
    )
    engine = make_engine(settings)
    try:
        prepared = prepare_sources(engine, names=sources)
        if not prepared:
            return []
        recorder = CrawlRecorder(
            settings.rules, engine, prepared, batch_size=settings.crawl.store_batch_size
        )
        keep_robots = settings.crawl.obey_robots and settings.crawl.robots_cache_hours > 0
        # read only if something is asked or crawled here (not when all was answered ahead)
        kept = functools.cache(
            lambda: _kept_robots(engine, settings, prepared) if keep_robots else []
        )
        remaining = revalidate_first(settings, prepared, kept, recorder, deadline, warm)
        with tempfile.TemporaryDirectory(prefix="kil-crawl-") as tmp:
            crawls = (
                launch_processes(settings, remaining, Path(tmp), deadline, kept(), warm)
                if remaining
                else []
            )
            # what exists before the crawl outlives it: the collector need not walk it over
            # and over while tens of thousands of records pass through (unfrozen after)
            gc.freeze()
            try:
                _collect(recorder, crawls, deadline, on_progress, len(prepared))
                for crawl in crawls:  # sources a failed or stopped process never answered for
                    silent = recorder.silent(crawl.source_ids)
                    reason = crawl.exit_reason(wait=deadline.grace) if silent else None
                    if silent and reason is None and deadline.closing():
                        reason = crawl.stopped = TIME_LIMIT  # its spider closed at the limit
                    if reason is not None:
                        recorder.fail_silent(silent, reason)
                recorder.close()
                if keep_robots and recorder.robots:
                    with write_session(engine) as session:
                        save_robots(recorder.robots, session=session)
            finally:
                gc.unfreeze()
                finish(crawls, deadline)
        return summaries(recorder, prepared, crawls)
    finally:
        engine.dispose()


def _kept_robots(
    engine: Engine, settings: Settings, sources: list[CrawlSource]
) -> list[RobotsAnswer]:
    """The robots.txt answers of the sources' sites fetched within the cache lifetime."""
    lifetime = timedelta(hours=settings.crawl.robots_cache_hours)
    with read_session(engine) as session:
        return fresh_robots({origin_of(s["url"]) for s in sources}, lifetime, session=session)


def _enqueue(settings: Settings, sources: list[str] | None) -> list[SourceSummary]:
    from kil_feed.ingest.queue import enqueue_crawl

    engine = make_engine(settings)
    try:
        queued = enqueue_crawl(settings, engine, sources=sources)
    finally:
        engine.dispose()
    return [
        SourceSummary(name=s["name"], kind=s["kind"], run_id=s["run_id"], stopped=QUEUED)
        for s in queued.sources
    ]


def _collect(
    recorder: CrawlRecorder,
    crawls: list[CrawlProcess],
    deadline: Deadline,
    on_progress: ProgressCallback | None,
    total: int,
) -> None:
    """Record what the crawl processes send until every pipe is closed.

    A crawl process closes its pipe when its spider has closed: all it had is recorded
    then, and its interpreter's shut-down need not be waited for.
    """
    next_report = 0.0
    while any(c.connection is not None for c in crawls):
        enforce(crawls, deadline)
        receive_all(crawls, recorder.take, timeout=0.05)
        recorder.tick()
        if on_progress is not None and time.monotonic() >= next_report:
            on_progress(recorder.answered, total)
            next_report = time.monotonic() + REPORT_SECONDS
    if on_progress is not None:
        on_progress(total, total)


__all__ = ["QUEUED", "SHUTDOWN", "TIME_LIMIT", "SourceSummary", "run_crawl"]
