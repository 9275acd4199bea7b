"""The crawl job: pick the sources that are due, crawl them, and report what happened.

It calls `run_crawl` (what `kil crawl` calls) in the scheduler's worker thread: the crawl's
own deadline (`[crawl] time_limit`) bounds it, and the scheduler's `stopping` event ends it
early when the scheduler shuts down.
"""

from __future__ import annotations

import logging
import time

from kil_feed.db import read_session
from kil_feed.ingest.deadline import SHUTDOWN, TIME_LIMIT
from kil_feed.ingest.summary import SourceSummary
from kil_feed.scheduler.runtime import Runtime
from kil_feed.storage.housekeeping import due_sources
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)


def crawl_job(rt: Runtime) -> tuple[str, str]:
    settings = rt.settings
    with read_session(rt.engine) as session:
        due = due_sources(utcnow(), settings.crawl.interval_minutes, session=session)
    if not due:
        return "skipped", "no source is due"
    limit = float(settings.crawl.time_limit)
    logger.info("crawl starting sources=%d limit=%.0fs", len(due), limit)
    started = time.monotonic()
    summaries = rt.functions.crawl(settings, sources=due, time_limit=limit, stop=rt.stopping)
    return outcome(summaries, due, limit, time.monotonic() - started)


def outcome(
    summaries: list[SourceSummary], due: list[str], limit: float, seconds: float
) -> tuple[str, str]:
    """(status, detail) of a crawl job run from the crawl's summaries."""
    names = ", ".join(due)
    stopped = {s.stopped for s in summaries}
    if SHUTDOWN in stopped:
        return "interrupted", f"crawl of {names} stopped by shutdown after {seconds:.1f}s"
    if TIME_LIMIT in stopped:
        return "timeout", (
            f"crawl of {names} stopped at the time limit after {seconds:.1f}s "
            f"(limit {limit:g}s): {describe(summaries)}"
        )
    if summaries and all(s.error for s in summaries):
        return "failed", describe(summaries)
    return "ok", describe(summaries)


def describe(summaries: list[SourceSummary]) -> str:
    if not summaries:
        return "crawled nothing"
    parts = []
    for s in summaries:
        counts = " ".join(
            f"{key}={value}"
            for key, value in (
                ("new", s.new),
                ("updated", s.updated),
                ("duplicate", s.duplicate),
                ("dropped", s.dropped),
                ("error", s.error),
                ("warning", s.warning),
                ("stopped", s.stopped),
            )  # fmt: skip
            if value not in (None, 0, "")
        )
        parts.append(f"{s.name}: {counts or 'no change'}")
    return "; ".join(parts)
