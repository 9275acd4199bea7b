"""5. store: batched upserts through `kil_feed.storage`, one CrawlRun per source per crawl.

Items are buffered and written `KIL_STORE_BATCH_SIZE` at a time in one write transaction
(SQLite `BEGIN IMMEDIATE`). New items get their status from `kil_feed.rules.decide`. Spider
status items (HTTP status, validators, errors) update the source's health; at the end each
source's run gets its counts and errors. Dropped items are counted via the `item_dropped`
signal.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.pipelines.base import is_status
from crawler.pipelines.dedupe import DUPLICATE

logger = logging.getLogger(__name__)
FLUSH_SECONDS = 2.0


@dataclass
class SourceState:
    """What happened to one source in this crawl."""

    source: dict[str, Any]
    counts: Counter[str] = field(default_factory=Counter)
    http_status: int | None = None
    fatal: str | None = None
    errors: list[str] = field(default_factory=list)
    problem: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    answered: bool = False
    health_written: bool = False


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_size = crawler.settings.getint("KIL_STORE_BATCH_SIZE", 500)
        self.buffer: list[dict[str, Any]] = []
        self.states: dict[int, SourceState] = {}
        self.health_pending: set[int] = set()  # sources whose answer is not written yet
        self.last_flush = time.monotonic()
        self.settings: Any = None
        self.engine: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    # --- lifecycle ------------------------------------------------------------------

    def open_spider(self, spider: Spider | None = None) -> None:
        from kil_feed.crawling import prepare_sources, settings_from_environment
        from kil_feed.db import make_engine

        spider = spider or self.crawler.spider
        self.settings = settings_from_environment()
        self.engine = make_engine(self.settings)
        if not getattr(spider, "sources", None):
            # run straight from `scrapy crawl NAME`: crawl every enabled source of that kind
            kind = getattr(spider, "source_kind", "feed")
            spider.sources = prepare_sources(self.engine, kinds=[kind])  # type: ignore[union-attr]
        for source in spider.sources:  # type: ignore[union-attr]
            self.states[source["id"]] = SourceState(source)

    def close_spider(self, spider: Spider | None = None) -> None:
        self.flush()
        self.finish_runs()
        if self.engine is not None:
            self.engine.dispose()

    # --- items ----------------------------------------------------------------------

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        state = self.states.get(item.get("source_id"))  # type: ignore[arg-type]
        if is_status(item):
            if state is not None:
                self._record_status(state, item)
        else:
            self.buffer.append(item)
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        if len(self.buffer) >= self.batch_size or (due and (self.buffer or self._health_due())):
            self.flush()
        return item

    def item_dropped(
        self, item: Any, response: Any = None, exception: Any = None, **kw: Any
    ) -> None:
        if not isinstance(item, dict):
            return
        state = self.states.get(item.get("source_id"))  # type: ignore[arg-type]
        if state is not None:
            duplicate = str(exception or "").startswith(DUPLICATE)
            state.counts["duplicate" if duplicate else "dropped"] += 1

    def _record_status(self, state: SourceState, item: dict[str, Any]) -> None:
        if item.get("fatal", True):
            state.answered = True
            state.http_status = item.get("http_status") or state.http_status
            state.etag, state.last_modified = item.get("etag"), item.get("last_modified")
            state.problem = item.get("problem")
            if item.get("error"):
                state.fatal = item["error"]
            state.health_written = False
            self.health_pending.add(item["source_id"])
        elif item.get("error"):
            state.errors.append(item["error"])

    def _health_due(self) -> bool:
        return bool(self.health_pending)

    # --- writing --------------------------------------------------------------------

    def flush(self) -> None:
        """Write the buffered items and any new source health in one transaction."""
        from kil_feed.db import write_session
        from kil_feed.rules import decide
        from kil_feed.storage.items import upsert_items

        rows, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        names = {sid: s.source["name"] for sid, s in self.states.items()}
        rules = self.settings.rules

        def decision(row: Any) -> tuple[str, str | None, str | None]:
            result = decide(row, names.get(row["source_id"], ""), rules)
            return result.status, result.rule, result.reason

        with write_session(self.engine) as session:
            if rows:
                outcomes = upsert_items(rows, session=session, decide=decision)
                for row, outcome in zip(rows, outcomes, strict=True):
                    state = self.states.get(row["source_id"])
                    if state is not None:
                        state.counts["duplicate" if outcome == "unchanged" else outcome] += 1
            self._write_health(session)
        if rows:
            self.crawler.stats.inc_value("kil/stored", len(rows))  # type: ignore[union-attr]

    def _write_health(self, session: Any) -> None:
        from kil_feed.storage.sources import record_failure, record_success, sources_by_ids

        pending, self.health_pending = self.health_pending, set()
        states = {sid: self.states[sid] for sid in pending}
        states = {sid: s for sid, s in states.items() if s.answered and not s.health_written}
        for sid, source in sources_by_ids(sorted(states), session=session).items():
            state = states[sid]
            if state.fatal:
                record_failure(source, state.fatal, session=session)
            else:
                record_success(
                    source, session=session, etag=state.etag, last_modified=state.last_modified
                )
                source.last_error = (
                    f"malformed feed: {state.problem}"[:2000] if state.problem else None
                )
            state.health_written = True

    def finish_runs(self) -> None:
        """Close every source's CrawlRun; a source that never answered is a failure."""
        from kil_feed.db import write_session
        from kil_feed.storage.crawl_runs import finish_run, get_runs

        for sid, state in self.states.items():
            if not state.answered:
                state.answered, state.fatal = True, "no answer before the crawl ended"
                self.health_pending.add(sid)
        with write_session(self.engine) as session:
            self._write_health(session)
            runs = {r.id: r for r in get_runs(
                [s.source["run_id"] for s in self.states.values() if s.source.get("run_id")],
                session=session,
            )}  # fmt: skip
            for state in self.states.values():
                run = runs.get(state.source.get("run_id"))
                if run is None:
                    continue
                errors = [e for e in (state.fatal, _problem(state.problem)) if e] + state.errors[
                    :20
                ]
                if len(state.errors) > 20:
                    errors.append(f"... and {len(state.errors) - 20} more page errors")
                finish_run(
                    run,
                    session=session,
                    new=state.counts["new"],
                    updated=state.counts["updated"],
                    duplicate=state.counts["duplicate"],
                    dropped=state.counts["dropped"],
                    http_status=state.http_status,
                    error="; ".join(errors) or None,
                )
        for state in self.states.values():
            logger.info(
                "source done source=%s status=%s new=%d updated=%d duplicate=%d "
                "dropped=%d error=%s",
                state.source["name"], state.http_status, state.counts["new"],
                state.counts["updated"], state.counts["duplicate"], state.counts["dropped"],
                state.fatal,
            )  # fmt: skip


def _problem(problem: str | None) -> str | None:
    return f"malformed feed: {problem}" if problem else None
