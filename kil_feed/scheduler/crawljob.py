"""The crawl job: pick the sources that are due, crawl them in a child process under a
hard time limit, and report what happened.

The child (`python -m kil_feed.scheduler.crawl_child`) calls `kil_feed.crawling.run_crawl`,
the function `kil crawl` wraps; the settings go to it on stdin (never on the command line,
where the secret key would show in `ps`).
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.scheduler.proctree import ChildResult, run_limited
from kil_feed.scheduler.runtime import Runtime
from kil_feed.storage.housekeeping import due_sources
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)

RESULT_MARKER = "KIL-CRAWL-RESULT "


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, secrets included (for a child process's stdin only)."""
    data = settings.model_dump(mode="json")
    data["secret_key"] = settings.secret_key.get_secret_value()
    return data


def crawl_job(rt: Runtime) -> tuple[str, str]:
    settings = rt.settings
    with read_session(rt.engine) as session:
        due = due_sources(utcnow(), settings.crawl.interval_minutes, session=session)
    if not due:
        return "skipped", "no source is due"
    limit = float(settings.crawl.time_limit)
    payload = {
        "settings": settings_payload(settings),
        "sources": due,
        "time_limit": limit,
        "target": rt.targets["crawl"],
    }
    logger.info("crawl starting sources=%d limit=%.0fs", len(due), limit)
    result = run_limited(
        [sys.executable, "-m", "kil_feed.scheduler.crawl_child"],
        input=json.dumps(payload),
        time_limit=limit + settings.schedule.crawl_kill_margin_seconds,
        children=rt.children,
    )
    return _outcome(result, due, limit)


def _outcome(result: ChildResult, due: list[str], limit: float) -> tuple[str, str]:
    names = ", ".join(due)
    if result.interrupted:
        return "interrupted", f"crawl of {names} stopped by shutdown after {result.seconds:.1f}s"
    if result.timed_out:
        return "timeout", f"crawl of {names} killed after {result.seconds:.1f}s (limit {limit:g}s)"
    summaries = _parse_result(result.stdout)
    if result.returncode != 0 or summaries is None:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return "failed", f"crawl child exited {result.returncode}: {tail}"
    if summaries and all(s.get("error") for s in summaries):
        return "failed", _describe(summaries)
    return "ok", _describe(summaries)


def _parse_result(stdout: str) -> list[dict[str, Any]] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            data = json.loads(line[len(RESULT_MARKER) :])
            return data if isinstance(data, list) else None
    return None


def _describe(summaries: list[dict[str, Any]]) -> str:
    if not summaries:
        return "crawled nothing"
    parts = []
    for s in summaries:
        counts = " ".join(
            f"{key}={s[key]}"
            for key in ("new", "updated", "duplicate", "dropped", "error", "stopped")
            if s.get(key) not in (None, 0, "", [])
        )
        parts.append(f"{s.get('source', s.get('name', '?'))}: {counts or 'no change'}")
    return "; ".join(parts)
