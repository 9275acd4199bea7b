"""Running a crawl: the one orchestrator of fetch -> parse -> pipelines -> storage.

Scrapy's reactor cannot restart inside a process, so each crawl is a subprocess
(`python -m scrapy crawl KIND -a sources_file=...`) with a time limit. The launcher
prepares the sources (with their stored ETag/Last-Modified and a fresh CrawlRun each) as
a JSON file, passes the settings through the environment, shows progress by watching the
sources' health in the database, and returns what each source's run recorded.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.storage import crawl_runs
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)

SETTINGS_ENV = "KIL_SETTINGS_JSON"
SPIDER_FOR_KIND = {"feed": "feeds", "page": "pages", "jobs": "jobs"}
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
    engine = make_engine(settings)
    try:
        prepared = prepare_sources(engine, names=sources)
        if not prepared:
            return []
        limit = float(time_limit or settings.crawl.time_limit)
        with tempfile.TemporaryDirectory(prefix="kil-crawl-") as tmp:
            processes = _launch(settings, prepared, Path(tmp), limit)
            _wait(engine, processes, prepared, limit, progress)
            failed = {p.kind: p.describe_exit() for p in processes if p.describe_exit()}
        return _summaries(engine, prepared, failed)
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
            raise ValidationError("none of the named sources can be crawled (kind notices?)")
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
    from crawler.polite import scrapy_overrides

    env = dict(os.environ)
    env[SETTINGS_ENV] = settings_json(settings)
    env["SCRAPY_SETTINGS_MODULE"] = PROJECT_SETTINGS
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
    )
    overrides = scrapy_overrides(settings)
    overrides["CLOSESPIDER_TIMEOUT"] = max(1, int(limit - min(10, limit * 0.2)))
    crawls = []
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
    for kind, group in by_kind.items():
        for part in range(min(workers, len(group))):
            share = group[part::workers]
            name = f"{kind}-{part}"
            sources_file = tmp / f"sources-{name}.json"
            sources_file.write_text(json.dumps(share), encoding="utf-8")
            log_path = logs / f"crawl-{token}-{share[0]['run_id']}-{name}.log"
            profile = os.environ.get("KIL_CRAWL_PROFILE")  # tuning aid: cProfile output prefix
            prefix = ["-m", "cProfile", "-o", f"{profile}-{token}-{name}.prof"] if profile else []
            cmd = [sys.executable, *prefix, "-m", "scrapy", "crawl", SPIDER_FOR_KIND[kind],
                   "-a", f"sources_file={sources_file}", "--logfile", str(log_path)]  # fmt: skip
            for key, value in overrides.items():
                cmd += ["-s", f"{key}={value}"]
            logger.info("crawl starting kind=%s sources=%d log=%s", kind, len(share), log_path)
            process = subprocess.Popen(
                cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            crawls.append(_Crawl(kind, process, log_path))
            for source in share:
                source["log"] = str(log_path)
    return crawls


def _wait(
    engine: Engine,
    crawls: list[_Crawl],
    prepared: list[dict[str, Any]],
    limit: float,
    progress: bool | ProgressCallback,
) -> None:
    deadline = time.monotonic() + limit
    since = utcnow() - timedelta(seconds=1)
    run_ids = [s["run_id"] for s in prepared]
    report = _progress_reporter(progress, len(prepared))
    next_report = 0.0
    try:
        while any(c.process.poll() is None for c in crawls):
            if time.monotonic() > deadline:
                for crawl in crawls:
                    if crawl.process.poll() is None:
                        crawl.killed = True
                        crawl.process.terminate()
                for crawl in crawls:
                    try:
                        crawl.process.wait(10)
                    except subprocess.TimeoutExpired:
                        crawl.process.kill()
                        crawl.process.wait()
                break
            if report is not None and time.monotonic() >= next_report:
                report(_answered(engine, prepared, since), len(prepared))
                next_report = time.monotonic() + 0.25
            time.sleep(0.02)  # a short crawl (all 304) should not wait for a slow poll
        if report is not None:
            report(len(run_ids), len(run_ids))
    finally:
        close = getattr(report, "close", None)
        if close:
            close()


def _answered(engine: Engine, prepared: list[dict[str, Any]], since: datetime) -> int:
    """Sources whose fetch has been recorded since the crawl started (for the progress bar)."""
    with read_session(engine) as session:
        return source_store.count_crawled_since([s["id"] for s in prepared], since, session=session)


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


def _summaries(
    engine: Engine, prepared: list[dict[str, Any]], failed: dict[str, str]
) -> list[SourceSummary]:
    """Read each run back; runs a dead subprocess left open are closed as failures."""
    by_run = {s["run_id"]: s for s in prepared}
    with write_session(engine) as session:
        runs = {r.id: r for r in crawl_runs.get_runs(list(by_run), session=session)}
        summaries = []
        for run_id, source in by_run.items():
            run = runs[run_id]
            if run.finished_at is None:
                error = failed.get(source["kind"]) or "crawl process ended early"
                crawl_runs.finish_run(run, session=session, error=error)
                src = source_store.get_source_by_id(source["id"], session=session)
                source_store.record_failure(src, error, session=session)
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
                    run_id=run.id,
                    log=source.get("log"),
                )  # fmt: skip
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
