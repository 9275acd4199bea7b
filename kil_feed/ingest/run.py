"""`run_crawl`: the one orchestrator of a crawl, from the sources to the rows.

prepare the sources (`sources`) -> ask the feeds that most likely did not change whether
they did (`crawler.revalidate`: a 304 needs no crawl process; `kil crawl`'s warm process
has asked most of them already, `ingest.ahead`) -> start the crawl processes
for the rest (`launcher`) -> read their pipes and record every batch (`recorder`) -> close
each source's run -> typed summaries.
One `Deadline` bounds all of it; `stop` (a scheduler shutting down) ends it early.
"""

from __future__ import annotations

import functools
import gc
import logging
import pickle
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import wait
from pathlib import Path

from sqlalchemy.engine import Engine

from crawler.records import CrawlSource, RobotsAnswer
from crawler.revalidate import host_of, not_modified, revalidate
from kil_feed.config import Settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.ingest.launcher import SHUTDOWN, TIME_LIMIT, CrawlProcess, Deadline, enforce, finish
from kil_feed.ingest.launcher import launch as launch_processes
from kil_feed.ingest.policy import likely_unchanged, origin_of, revalidation_budget
from kil_feed.ingest.recorder import CrawlRecorder
from kil_feed.ingest.scrapy_settings import politeness
from kil_feed.ingest.sources import prepare_sources
from kil_feed.ingest.warm import WarmProcess
from kil_feed.storage.robots import fresh_robots, save_robots

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
REPORT_SECONDS = 0.25
AHEAD_MARGIN = 2.0  # seconds past its budget for the warm process's answers
QUEUED = "queued for the crawl workers"


@dataclass
class SourceSummary:
    """What one source's crawl run recorded."""

    name: str
    kind: str
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    dropped: int = 0
    error: str | None = None
    http_status: int | None = None
    run_id: int | None = None
    warning: str | None = None  # read, but with a defect (a malformed feed that gave entries)
    log: str | None = None  # the crawl process's log file
    stopped: str | None = None  # TIME_LIMIT or SHUTDOWN when cut short; QUEUED (Redis)

    @property
    def ok(self) -> bool:
        return self.error is None


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
    if settings.crawl.backend == "redis":
        return _enqueue(settings, sources)
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
        remaining = _revalidate(settings, prepared, kept, recorder, deadline, warm)
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
        return _summaries(recorder, prepared, crawls)
    finally:
        engine.dispose()


def _kept_robots(
    engine: Engine, settings: Settings, sources: list[CrawlSource]
) -> list[RobotsAnswer]:
    """The robots.txt answers of the sources' sites fetched within the cache lifetime."""
    lifetime = timedelta(hours=settings.crawl.robots_cache_hours)
    with read_session(engine) as session:
        return fresh_robots({origin_of(s["url"]) for s in sources}, lifetime, session=session)


def _revalidate(
    settings: Settings,
    sources: list[CrawlSource],
    robots: Callable[[], list[RobotsAnswer]],
    recorder: CrawlRecorder,
    deadline: Deadline,
    warm: WarmProcess | None,
) -> list[CrawlSource]:
    """Record the 304s of the feeds that most likely did not change, asked without a crawl
    process (`crawler.revalidate`); the sources left for the crawl processes. Those are
    started once the hosts asked here may be asked again (the download delay).

    An answer the warm process got ahead is taken for a source asked with the URL and
    validators prepared here; any other such source is asked here."""
    asked = [s for s in sources if likely_unchanged(s)]
    if not asked or not settings.crawl.revalidate_first:
        return sources
    started = time.monotonic()
    budget = revalidation_budget(deadline.close_spider_after())
    unchanged: set[int] = set()
    taken: set[int] = set()
    ready_at: dict[str, float] = {}
    ahead = warm.ahead(timeout=budget + AHEAD_MARGIN) if warm is not None else None
    if ahead is not None:
        taken = {s["id"] for s in asked if ahead.answered(s)}
        unchanged = ahead.answers.unchanged_ids & taken
        ready_at.update(ahead.answers.ready_at)
        asked = [s for s in asked if s["id"] not in taken]
    if asked:
        answers = revalidate(
            asked,
            politeness(settings),
            {answer["origin"]: answer for answer in robots()},
            budget=budget,
            stop=deadline.stop,
        )
        unchanged |= answers.unchanged_ids
        for host, at in answers.ready_at.items():
            ready_at[host] = max(at, ready_at.get(host, 0.0))
    recorder.take([("status", not_modified(s)) for s in sources if s["id"] in unchanged])
    logger.info(
        "revalidated sources=%d not_modified=%d ahead=%d seconds=%.2f",
        len(asked) + len(taken), len(unchanged), len(taken), time.monotonic() - started,
    )  # fmt: skip
    remaining = [s for s in sources if s["id"] not in unchanged]
    hosts = {host_of(s["url"]) for s in remaining}
    ready = max((ready_at.get(h, 0.0) for h in hosts), default=0.0)
    if ready > time.monotonic():
        deadline.stop.wait(ready - time.monotonic())
    return remaining


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
        pipes = {c.connection: c for c in crawls if c.connection is not None}
        for ready in wait(list(pipes), timeout=0.05):
            _receive(recorder, pipes[ready])  # type: ignore[index]
        recorder.tick()
        if on_progress is not None and time.monotonic() >= next_report:
            on_progress(recorder.answered, total)
            next_report = time.monotonic() + REPORT_SECONDS
    if on_progress is not None:
        on_progress(total, total)


def _receive(recorder: CrawlRecorder, crawl: CrawlProcess) -> None:
    """One batch of records from a crawl process; its pipe is closed at end of file."""
    assert crawl.connection is not None
    try:
        batch = crawl.connection.recv()
    except (EOFError, OSError, pickle.UnpicklingError) as exc:
        if not isinstance(exc, EOFError):
            logger.warning("crawl pipe broken kind=%s error=%s", crawl.kind, exc)
        crawl.connection.close()
        crawl.connection = None
        return
    recorder.take(batch)


def _summaries(
    recorder: CrawlRecorder, prepared: list[CrawlSource], crawls: list[CrawlProcess]
) -> list[SourceSummary]:
    logs = {sid: str(c.log_path) for c in crawls for sid in c.source_ids}
    stopped = {sid: c.stopped for c in crawls for sid in c.source_ids}
    summaries = []
    for source in prepared:
        state = recorder.states[source["id"]]
        summaries.append(
            SourceSummary(
                name=source["name"],
                kind=source["kind"],
                new=state.counts["new"],
                updated=state.counts["updated"],
                duplicate=state.counts["duplicate"],
                dropped=state.counts["dropped"],
                error=state.error(),
                warning=state.warning(),
                http_status=state.http_status,
                run_id=source["run_id"],
                log=logs.get(source["id"]),
                stopped=stopped.get(source["id"]),
            )  # fmt: skip
        )
    return summaries


__all__ = ["QUEUED", "SHUTDOWN", "TIME_LIMIT", "SourceSummary", "run_crawl"]
