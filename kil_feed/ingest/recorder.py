"""The record stage: a crawl's items and per-source outcomes, through `kil_feed.storage`.

Records from every crawl process of a crawl arrive here (`take`); items are buffered and
written `batch_size` at a time, or every FLUSH_SECONDS, each batch in its own write
transaction (SQLite `BEGIN IMMEDIATE`) by one background thread (`batches.BatchWriter`), so
reading the pipes goes on while the database works and a crawl killed part-way keeps every
batch committed before (the rerun finds them by their natural key). New items get their status from
`kil_feed.rules.decide`. Status records update the source's health; `close` gives each
source's run its counts and errors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine

from crawler.records import (
    CrawledItem,
    CrawlSource,
    Record,
    RobotsAnswer,
    SourceStatus,
    source_status,
)
from kil_feed.db import write_session
from kil_feed.ingest.batches import BatchWriter
from kil_feed.ingest.source_state import SourceState
from kil_feed.rules import RulesSettings, decider
from kil_feed.storage.crawl_runs import RunResult, finish_runs
from kil_feed.storage.sources import FetchOutcome, record_fetches

logger = logging.getLogger(__name__)


class CrawlRecorder:
    """Feed it records (`take`); `close` waits for the writes and closes every run."""

    def __init__(
        self, rules: RulesSettings, engine: Engine, sources: list[CrawlSource], *, batch_size: int
    ) -> None:
        self.rules = rules
        self.engine = engine
        self.batch_size = max(1, batch_size)
        self.states = {s["id"]: SourceState(s) for s in sources}
        self.names = {s["id"]: s["name"] for s in sources}
        self.buffer: list[CrawledItem] = []
        self.health_pending: set[int] = set()  # sources whose answer is not written yet
        self.checkpoints: dict[int, dict[str, Any]] = {}  # written after the items before them
        self.writer = BatchWriter("kil-store")
        self.lock = threading.Lock()  # counts are updated by the writer thread too
        self.answered = 0  # sources that have answered so far (for progress)
        self.robots: list[RobotsAnswer] = []  # robots.txt fetched in this crawl, to keep

    # --- input ----------------------------------------------------------------------

    def take(self, records: Iterable[Record]) -> None:
        """A batch of records from a crawl process (`crawler.records.Record`)."""
        for record in records:
            kind = record[0]
            if kind == "item":
                self.buffer.append(record[1])
            elif kind == "status":
                self.status(record[1])
            elif kind == "dropped":
                self.dropped(record[1], duplicate=bool(record[2]))
            elif kind == "robots":
                self.robots.append(record[1])
        self.tick()

    def tick(self) -> None:
        """Write what is due: a full batch, or anything older than FLUSH_SECONDS."""
        waiting = self.buffer or self.health_pending or self.checkpoints
        if len(self.buffer) >= self.batch_size or (waiting and self.writer.due()):
            self.flush()

    def dropped(self, source_id: Any, *, duplicate: bool) -> None:
        state = self.states.get(source_id)
        if state is not None:
            with self.lock:
                state.counts["duplicate" if duplicate else "dropped"] += 1

    def status(self, status: SourceStatus) -> None:
        state = self.states.get(status["source_id"])
        if state is None:
            return
        if status["fatal"]:
            if not state.answered:
                self.answered += 1
            state.answered = True
            state.http_status = status["http_status"] or state.http_status
            state.etag, state.last_modified = status["etag"], status["last_modified"]
            state.problem = status["problem"]
            if state.warning():  # INFO: `kil crawl` says it in its summary
                logger.info("defective source read source=%s warning=%s",
                            state.source["name"], state.warning())  # fmt: skip
            state.site_title = status.get("site_title") or state.site_title
            if status["error"]:
                state.fatal = status["error"]
            self.health_pending.add(status["source_id"])
        elif status.get("checkpoint") is not None:
            self.checkpoints[status["source_id"]] = status["checkpoint"]  # type: ignore[assignment]
        elif status["error"]:
            state.errors.append(status["error"])

    def silent(self, source_ids: Iterable[int]) -> list[int]:
        """Those of `source_ids` that have not answered yet."""
        return [sid for sid in source_ids if not self.states[sid].answered]

    def fail_silent(self, source_ids: Iterable[int], reason: str) -> None:
        """Sources that never answered fail with `reason` (their process ended early)."""
        for sid in source_ids:
            if sid in self.states and not self.states[sid].answered:
                self.status(_failure(sid, reason))

    # --- writing --------------------------------------------------------------------

    def flush(self) -> None:
        """Hand the buffered items and new source health to the writer thread."""
        rows, self.buffer = self.buffer, []
        self.writer.flushed()
        health = self._health_snapshot()
        checkpoints, self.checkpoints = self.checkpoints, {}
        if rows or health or checkpoints:
            self.writer.submit(self._write, rows, health, checkpoints)

    def _write(
        self,
        rows: list[CrawledItem],
        health: list[FetchOutcome],
        checkpoints: dict[int, dict[str, Any]] | None = None,
    ) -> None:
        counted: list[tuple[int, str]] = []
        with write_session(self.engine) as session:  # one commit per batch
            # imported on first use: a pass where every feed answered 304 stores no item
            # and no notice, and `kil crawl` need not load the item and notice storage
            if rows:
                from kil_feed.storage.crawled import store_crawled

                decide = decider(self.rules, self.names)
                counted = store_crawled(rows, session=session, decide=decide)
            record_fetches(health, session=session)
            if checkpoints:
                from kil_feed.storage import notices

                notices.save_checkpoints(checkpoints, session=session)
        with self.lock:
            for source_id, outcome in counted:
                state = self.states.get(source_id)
                if state is not None:
                    state.counts["duplicate" if outcome == "unchanged" else outcome] += 1

    def _health_snapshot(self) -> list[FetchOutcome]:
        """How the sources that answered since the last write did."""
        pending, self.health_pending = self.health_pending, set()
        return [
            FetchOutcome(
                sid,
                error=s.fatal,
                etag=s.etag,
                last_modified=s.last_modified,
                warning=s.warning(),
                title=s.site_title,
            )
            for sid in sorted(pending)
            for s in (self.states[sid],)
        ]

    # --- the end --------------------------------------------------------------------

    def close(self, *, unanswered: str = "no answer before the crawl ended") -> None:
        """Write what is left, then close every source's run (a silent source failed)."""
        try:
            self.flush()
            self.writer.wait()
        finally:
            self.writer.shutdown()
        self.fail_silent(list(self.states), unanswered)
        results = [
            RunResult(
                s.source["run_id"],
                new=s.counts["new"],
                updated=s.counts["updated"],
                duplicate=s.counts["duplicate"],
                dropped=s.counts["dropped"],
                http_status=s.http_status,
                error=s.run_error(),
            )  # fmt: skip
            for s in self.states.values()
            if s.source.get("run_id")
        ]
        with write_session(self.engine) as session:
            record_fetches(self._health_snapshot(), session=session)
            finish_runs(results, session=session)
        for state in self.states.values():
            logger.debug(
                "source done source=%s status=%s new=%d updated=%d duplicate=%d "
                "dropped=%d error=%s",
                state.source["name"], state.http_status, state.counts["new"],
                state.counts["updated"], state.counts["duplicate"], state.counts["dropped"],
                state.fatal,
            )  # fmt: skip


def _failure(source_id: int, reason: str) -> SourceStatus:
    return source_status({"source_id": source_id, "error": reason, "fatal": True})
