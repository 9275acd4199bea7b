"""The crawl processes: started with their sources and a pipe, stopped by one deadline.

Scrapy's reactor cannot restart inside a process, so each crawl process is
`python -m scrapy crawl SPIDER -a sources_file=...` with the Scrapy settings of
`scrapy_settings` and the write end of its own pipe (`crawler.itemstream`); the first may be
a process `kil crawl` started ahead (`warm`), which is handed that command line. The one
`deadline.Deadline` of a crawl: the spiders close themselves a little before it, at it
every process still running is sent SIGTERM (Scrapy closes its spider, the records still
flow), and `grace` seconds later SIGKILL; a `stop` event does the same at once.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from crawler.records import ROBOTS_CACHE_SETTING, CrawlSource, Record, RobotsAnswer
from kil_feed.config import Settings
from kil_feed.ingest.deadline import SHUTDOWN, Deadline
from kil_feed.ingest.logs import last_error, log_dir, prune_logs
from kil_feed.ingest.policy import SPIDER_FOR_KIND, origin_of
from kil_feed.ingest.scrapy_settings import (
    command_line,
    crawl_processes,
    scrapy_settings,
)
from kil_feed.ingest.sources import crawl_work, split_by_host
from kil_feed.ingest.warm import WarmProcess, crawl_environment, profiler, spawn

logger = logging.getLogger(__name__)


@dataclass
class CrawlProcess:
    kind: str
    process: subprocess.Popen[bytes]
    log_path: Path
    connection: Connection | None  # the read end of this process's pipe; None at its end
    source_ids: list[int]
    stopped: str | None = None  # why it was told to stop (TIME_LIMIT, SHUTDOWN)
    killed_at: float | None = None

    def exit_reason(self, wait: float) -> str | None:
        """Why the sources it has not answered for failed, if its end says."""
        if self.stopped:
            return self.stopped
        try:
            code = self.process.wait(wait)
        except subprocess.TimeoutExpired:
            return None
        if code:
            tail = last_error(self.log_path)
            return f"crawl process exited with {code}" + (f": {tail}" if tail else "")
        return None

    def terminate(self, reason: str) -> None:
        if self.process.poll() is None and self.stopped is None:
            self.stopped = reason
            self.process.terminate()

    def receive(self) -> list[Record]:
        """One batch of records from its pipe; none, and the pipe closed, at its end."""
        assert self.connection is not None
        try:
            return self.connection.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            if not isinstance(exc, EOFError):
                logger.warning("crawl pipe broken kind=%s error=%s", self.kind, exc)
            self.connection.close()
            self.connection = None
            return []

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def receive_all(
    crawls: list[CrawlProcess], take: Callable[[list[Record]], None], *, timeout: float
) -> None:
    """Hand `take` each batch the crawl processes send within `timeout` seconds."""
    pipes = {c.connection: c for c in crawls if c.connection is not None}
    for ready in wait(list(pipes), timeout=timeout):
        take(pipes[ready].receive())  # type: ignore[index]


def launch(
    settings: Settings,
    sources: list[CrawlSource],
    tmp: Path,
    deadline: Deadline,
    robots: list[RobotsAnswer] | None = None,
    warm: WarmProcess | None = None,
) -> list[CrawlProcess]:
    """One crawl process per kind and share of the sources, each with its own pipe and the
    kept robots.txt answers (`robots`) of its sources' sites; the first share goes to the
    `warm` process if there is one (started ahead, its Scrapy already imported)."""
    env = crawl_environment()
    arguments = command_line(scrapy_settings(settings, close_after=deadline.close_spider_after()))
    logs = log_dir(settings)
    prune_logs(
        logs, keep_days=settings.crawl.log_keep_days, keep_files=settings.crawl.log_keep_files
    )
    # run ids repeat across databases: the log name also has the time, our pid and a nonce
    token = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    by_kind: dict[str, list[CrawlSource]] = {}
    for source in sources:
        by_kind.setdefault(source["kind"], []).append(source)
    kept = {answer["origin"]: answer for answer in robots or ()}
    crawls: list[CrawlProcess] = []
    try:
        for kind, group in by_kind.items():
            for part, share in enumerate(
                split_by_host(group, crawl_processes(settings, crawl_work(group)))
            ):
                name = f"{kind}-{part}"
                sources_file = tmp / f"sources-{name}.json"
                sources_file.write_text(json.dumps(share), encoding="utf-8")
                robots_args = _robots_cache(kept, share, tmp / f"robots-{name}.json")
                log_path = logs / f"crawl-{token}-{share[0]['run_id']}-{name}.log"
                argv = ["crawl", SPIDER_FOR_KIND[kind], "-a", f"sources_file={sources_file}",
                        "--logfile", str(log_path), *arguments, *robots_args]  # fmt: skip
                logger.info("crawl starting kind=%s sources=%d log=%s", kind, len(share), log_path)
                ids = [s["id"] for s in share]
                taken = warm.take(argv) if warm is not None and not crawls else None
                if taken is not None:
                    process, connection = taken
                    crawls.append(CrawlProcess(kind, process, log_path, connection, ids))
                    continue
                cmd = [sys.executable, *profiler(f"{token}-{name}"), "-m", "scrapy", *argv]
                crawls.append(start_process(cmd, env, kind, log_path, ids))
    except BaseException:
        for crawl in crawls:
            crawl.terminate(SHUTDOWN)
            crawl.kill()
        raise
    return crawls


def _robots_cache(kept: dict[str, RobotsAnswer], share: list[CrawlSource], path: Path) -> list[str]:
    """`-s KIL_ROBOTS_CACHE=FILE` with the kept answers of the share's sites, if any."""
    answers = [kept[o] for o in sorted({origin_of(s["url"]) for s in share}) if o in kept]
    if not answers:
        return []
    path.write_text(json.dumps(answers), encoding="utf-8")
    return ["-s", f"{ROBOTS_CACHE_SETTING}={path}"]


def start_process(
    cmd: list[str], env: dict[str, str], kind: str, log_path: Path, source_ids: list[int]
) -> CrawlProcess:
    process, connection = spawn(cmd, env)
    return CrawlProcess(kind, process, log_path, connection, source_ids)


def enforce(crawls: list[CrawlProcess], deadline: Deadline) -> None:
    """At the deadline (or on stop) SIGTERM every process; `grace` later, SIGKILL."""
    reason = deadline.reason()
    if reason is None:
        return
    now = time.monotonic()
    for crawl in crawls:
        if crawl.stopped is None and crawl.process.poll() is None:
            crawl.terminate(reason)
            crawl.killed_at = now + deadline.grace
        elif crawl.killed_at is not None and now > crawl.killed_at:
            crawl.kill()


def finish(crawls: list[CrawlProcess], deadline: Deadline) -> None:
    """No crawl process outlives the crawl: wait for each to end, kill any that hangs."""
    for crawl in crawls:
        try:
            crawl.process.wait(max(0.5, min(deadline.grace, deadline.remaining() + deadline.grace)))
        except subprocess.TimeoutExpired:
            logger.warning("crawl process hung pid=%s: killing it", crawl.process.pid)
        crawl.kill()
