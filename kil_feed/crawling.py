"""Running a crawl: the one orchestrator of fetch -> parse -> pipelines -> storage.

Scrapy's reactor cannot restart inside a process, so each crawl is a subprocess
(`python -m scrapy crawl KIND -a sources_file=...`) with a time limit. The launcher
prepares the sources (with their stored ETag/Last-Modified and a fresh CrawlRun each) as
a JSON file and passes the settings through the environment. Each crawl process sends its
items down a pipe (`crawler.itemstream`); the launcher records them all with one
`crawler.recorder.CrawlRecorder` (one writer: no contention for SQLite's write lock, and
crawl processes that never load the database layer), shows progress as sources answer,
and returns what each source's run recorded.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import pickle
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.storage import crawl_runs
from kil_feed.storage import sources as source_store

if TYPE_CHECKING:
    from crawler.recorder import CrawlRecorder

logger = logging.getLogger(__name__)

SETTINGS_ENV = "KIL_SETTINGS_JSON"
SPIDER_FOR_KIND = {"feed": "feeds", "page": "pages", "jobs": "jobs", "notices": "notices"}
PROJECT_SETTINGS = "crawler.settings"


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
    log: str | None = None  # the crawl subprocess's log file

    @property
    def ok(self) -> bool:
        return self.error is None


ProgressCallback = Callable[[int, int], None]


def run_crawl(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    time_limit: float | None = None,
    progress: bool | ProgressCallback = False,
) -> list[SourceSummary]:
    """Crawl the named sources (default: every enabled one) and return per-source results.

    A failing source is recorded on that source and in its summary; it never stops the
    others. `progress=True` shows a Rich progress bar; a callable gets (done, total).
    """
    from crawler.recorder import CrawlRecorder

    engine = make_engine(settings)
    try:
        prepared = prepare_sources(engine, names=sources)
        if not prepared:
            return []
        limit = float(time_limit or settings.crawl.time_limit)
        recorder = CrawlRecorder(
            settings, engine, prepared, batch_size=settings.crawl.store_batch_size
        )
        with tempfile.TemporaryDirectory(prefix="kil-crawl-") as tmp:
            crawls = _launch(settings, prepared, Path(tmp), limit)
            # what exists before the crawl outlives it: the collector need not walk it over
            # and over while tens of thousands of records pass through (unfrozen after)
            gc.freeze()
            try:
                _collect(recorder, crawls, limit, progress, len(prepared))
            finally:
                gc.unfreeze()
                _stop(crawls)
            _record_exits(recorder, crawls)
            recorder.close()
        return _summaries(engine, prepared)
    finally:
        engine.dispose()


def prepare_sources(
    engine: Engine, *, names: Sequence[str] | None = None, kinds: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The sources to crawl as plain dicts, each with a new CrawlRun id."""
    with write_session(engine) as session:
        if names:
            chosen = source_store.sources_by_names(list(names), session=session)
        else:
            chosen = list(source_store.list_sources(session=session, enabled=True))
        chosen = [s for s in chosen if s.kind in SPIDER_FOR_KIND]
        if kinds:
            chosen = [s for s in chosen if s.kind in kinds]
        if names and not chosen:
            raise ValidationError("none of the named sources can be crawled")
        prepared = []
        run_ids = crawl_runs.start_runs([s.id for s in chosen], session=session)  # type: ignore[misc]
        for source, run_id in zip(chosen, run_ids, strict=True):
            prepared.append(
                {
                    "id": source.id,
                    "name": source.name,
                    "kind": source.kind,
                    "url": source.url,
                    "options": dict(source.options or {}),
                    "topics": list(source.topics or []),
                    "regions": list(source.regions or []),
                    "etag": source.etag,
                    "last_modified": source.last_modified,
                    "checkpoint": source.checkpoint,
                    "run_id": run_id,
                }
            )
    return prepared


# --- the subprocesses ----------------------------------------------------------------------


@dataclass
class _Crawl:
    kind: str
    process: subprocess.Popen[bytes]
    log_path: Path
    connection: Connection | None  # the read end of this process's item pipe
    source_ids: list[int]
    killed: bool = False

    def describe_exit(self) -> str | None:
        code = self.process.returncode
        if self.killed:
            return "crawl stopped at the time limit"
        if code:
            tail = _tail(self.log_path)
            return f"crawl process exited with {code}" + (f": {tail}" if tail else "")
        return None


def _launch(
    settings: Settings, prepared: list[dict[str, Any]], tmp: Path, limit: float
) -> list[_Crawl]:
    """One crawl process per kind and share of the sources, each with its own item pipe."""
    from crawler.itemstream import STREAM_FD_ENV
    from crawler.polite import scrapy_overrides

    env = dict(os.environ)
    env[SETTINGS_ENV] = settings_json(settings)
    env["SCRAPY_SETTINGS_MODULE"] = PROJECT_SETTINGS
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
    )
    overrides = scrapy_overrides(settings)
    overrides["CLOSESPIDER_TIMEOUT"] = max(1, int(limit - min(10, limit * 0.2)))
    crawls: list[_Crawl] = []
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for source in prepared:
        by_kind.setdefault(source["kind"], []).append(source)
    workers = max(1, settings.crawl.processes)
    logs = log_dir(settings)
    prune_logs(
        logs, keep_days=settings.crawl.log_keep_days, keep_files=settings.crawl.log_keep_files
    )
    # run ids repeat across databases: the log name also has the time, our pid and a nonce
    token = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        for kind, group in by_kind.items():
            for part in range(min(workers, len(group))):
                share = group[part::workers]
                name = f"{kind}-{part}"
                sources_file = tmp / f"sources-{name}.json"
                sources_file.write_text(json.dumps(share), encoding="utf-8")
                log_path = logs / f"crawl-{token}-{share[0]['run_id']}-{name}.log"
                cmd = [sys.executable, *_profiler(f"{token}-{name}"), "-m", "scrapy", "crawl",
                       SPIDER_FOR_KIND[kind], "-a", f"sources_file={sources_file}",
                       "--logfile", str(log_path)]  # fmt: skip
                for key, value in overrides.items():
                    cmd += ["-s", f"{key}={value}"]
                logger.info("crawl starting kind=%s sources=%d log=%s", kind, len(share), log_path)
                read_fd, write_fd = os.pipe()
                try:
                    process = subprocess.Popen(
                        cmd, env={**env, STREAM_FD_ENV: str(write_fd)}, pass_fds=(write_fd,),
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )  # fmt: skip
                except BaseException:
                    os.close(read_fd)
                    raise
                finally:
                    os.close(write_fd)  # the child has its own copy: end of file when it exits
                connection = Connection(read_fd, writable=False)
                crawls.append(_Crawl(kind, process, log_path, connection, [s["id"] for s in share]))
                for source in share:
                    source["log"] = str(log_path)
    except BaseException:
        _stop(crawls)
        raise
    return crawls


def _profiler(name: str) -> list[str]:
    """`-m cProfile -o PREFIX-NAME.prof` when KIL_CRAWL_PROFILE=PREFIX (a tuning aid)."""
    prefix = os.environ.get("KIL_CRAWL_PROFILE")
    return ["-m", "cProfile", "-o", f"{prefix}-{name}.prof"] if prefix else []


def _collect(
    recorder: CrawlRecorder,
    crawls: list[_Crawl],
    limit: float,
    progress: bool | ProgressCallback,
    total: int,
) -> None:
    """Record what the crawl processes send until every pipe is closed; stop them at the limit.

    A crawl process closes its pipe when its spider has closed: all it had is recorded
    then, and its interpreter's shut-down (a quarter of a second) need not be waited for.
    """
    deadline = time.monotonic() + limit
    kill_at: float | None = None
    report = _progress_reporter(progress, total)
    next_report = 0.0
    try:
        while any(c.connection is not None for c in crawls):
            now = time.monotonic()
            if kill_at is None and now > deadline:
                for crawl in crawls:
                    if crawl.process.poll() is None:
                        crawl.killed = True
                        crawl.process.terminate()  # Scrapy closes the spider; records flow on
                kill_at = now + 10
            elif kill_at is not None and now > kill_at:
                _stop(crawls)
            pipes = {c.connection: c for c in crawls if c.connection is not None}
            for ready in wait(list(pipes), timeout=0.05):
                _receive(recorder, pipes[ready])  # type: ignore[index]
            recorder.tick()
            if report is not None and now >= next_report:
                report(recorder.answered, total)
                next_report = now + 0.25
        if report is not None:
            report(total, total)
    finally:
        close = getattr(report, "close", None)
        if close:
            close()


def _receive(recorder: CrawlRecorder, crawl: _Crawl) -> None:
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
    for record in batch:
        if record[0] == "item":
            recorder.add(record[1])
        elif record[0] == "dropped":
            recorder.dropped(record[1], duplicate=bool(record[2]))


def _stop(crawls: list[_Crawl]) -> None:
    """No crawl process outlives the launcher for long.

    One that has closed its pipe is finishing on its own: a thread reaps it (and kills it
    if its shut-down hangs). Any other is terminated, waited for, then killed.
    """
    for crawl in crawls:
        if crawl.connection is None and not crawl.killed:
            if crawl.process.poll() is None:
                reaper = threading.Thread(target=_reap, args=(crawl.process,), daemon=True)
                reaper.start()
                _REAPERS.append(reaper)
            continue
        if crawl.process.poll() is None:
            crawl.killed = True
            crawl.process.terminate()
    for crawl in crawls:
        if not crawl.killed:
            continue
        _wait_or_kill(crawl.process, 10)
        if crawl.connection is not None:
            crawl.connection.close()
            crawl.connection = None


_REAPERS: list[threading.Thread] = []


def wait_for_exits(timeout: float = 30) -> None:
    """Wait for crawl processes that were still shutting down (their CPU time counts then)."""
    deadline = time.monotonic() + timeout
    while _REAPERS:
        _REAPERS.pop().join(max(0.0, deadline - time.monotonic()))


def _reap(process: subprocess.Popen[bytes], grace: float = 30) -> None:
    if _wait_or_kill(process, grace):
        logger.warning("crawl process hung after its spider closed pid=%s", process.pid)


def _wait_or_kill(process: subprocess.Popen[bytes], grace: float) -> bool:
    """Wait up to `grace` seconds for the process to end, then kill it; True if killed."""
    try:
        process.wait(grace)
        return False
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return True


def _record_exits(recorder: CrawlRecorder, crawls: list[_Crawl]) -> None:
    """Sources of a process that failed or was stopped, and never answered, get its reason."""
    from crawler.itemstream import STATUS_KEY

    for crawl in crawls:
        silent = [sid for sid in crawl.source_ids if not recorder.states[sid].answered]
        if not silent:
            continue  # everything arrived: how the process ends changes nothing
        with contextlib.suppress(subprocess.TimeoutExpired):
            crawl.process.wait(10)  # its exit code says why
        reason = crawl.describe_exit()
        if reason is None:
            continue
        for source_id in silent:
            recorder.add({STATUS_KEY: True, "source_id": source_id, "error": reason})


def _progress_reporter(progress: bool | ProgressCallback, total: int) -> Any:
    if callable(progress):
        return progress
    if not progress:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from kil_feed.cli.output import err_console

    bar = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=True,
    )  # fmt: skip
    task = bar.add_task("crawling", total=total)
    bar.start()

    class _Reporter:
        def __call__(self, done: int, total: int) -> None:
            bar.update(task, completed=done)

        def close(self) -> None:
            bar.stop()

    return _Reporter()


def _summaries(engine: Engine, prepared: list[dict[str, Any]]) -> list[SourceSummary]:
    """Read each source's run back, as the recorder closed it."""
    by_run = {s["run_id"]: s for s in prepared}
    with read_session(engine) as session:
        runs = {r.id: r for r in crawl_runs.get_runs(list(by_run), session=session)}
    summaries = []
    for run_id, source in by_run.items():
        run = runs[run_id]
        summaries.append(
            SourceSummary(
                name=source["name"],
                kind=source["kind"],
                new=run.items_new,
                updated=run.items_updated,
                duplicate=run.items_duplicate,
                dropped=run.items_dropped,
                error=run.error,
                http_status=run.http_status,
                run_id=run_id,
                log=source.get("log"),
            )
        )
    return summaries


# --- settings through the environment ------------------------------------------------------


def settings_json(settings: Settings) -> str:
    """All settings as JSON (secrets included: it only travels to our own subprocess)."""

    def plain(value: Any) -> Any:
        if hasattr(value, "get_secret_value"):
            return value.get_secret_value()
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(settings.model_dump()))


def settings_from_environment() -> Settings:
    """The launcher's settings when run by it, else the usual kil.toml / KIL_* settings."""
    raw = os.environ.get(SETTINGS_ENV)
    if raw:
        return Settings(**json.loads(raw))
    return load_settings()


def log_dir(settings: Settings | None = None) -> Path:
    """`[crawl] log_dir`, or `$TMPDIR/kil-feed-logs` (created if missing)."""
    configured = settings.crawl.log_dir if settings is not None else None
    path = (
        Path(configured).expanduser()
        if configured
        else Path(tempfile.gettempdir()) / "kil-feed-logs"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def prune_logs(folder: Path, *, keep_days: int, keep_files: int) -> int:
    """Delete crawl logs older than `keep_days` and all but the newest `keep_files`."""
    entries = []
    for path in folder.glob("crawl-*.log"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:  # removed by a concurrent crawl
            continue
    entries.sort(reverse=True)
    cutoff = time.time() - max(0, keep_days) * 86400
    removed = 0
    for index, (mtime, path) in enumerate(entries):
        if index >= max(0, keep_files) or mtime < cutoff:
            try:
                path.unlink()
                removed += 1
            except OSError:
                continue
    if removed:
        logger.info("crawl logs pruned folder=%s removed=%d", folder, removed)
    return removed


def _tail(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if "ERROR" in ln]
    except OSError:
        return ""
    return lines[-1][-300:] if lines else ""
