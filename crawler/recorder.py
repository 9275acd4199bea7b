"""The store stage: records a crawl's items and per-source outcomes through kil_feed.storage.

Items are buffered and written `batch_size` at a time in one write transaction (SQLite
`BEGIN IMMEDIATE`) by one background thread, so whoever feeds the recorder keeps going
while the database works. New items get their status from `kil_feed.rules.decide`. Status
records (HTTP status, validators, errors) update the source's health; `close` gives each
source's CrawlRun its counts and errors.

A crawl launched by `kil crawl` runs one recorder in the launcher for all of its crawl
processes, fed by their store pipelines over a pipe (`crawler.itemstream`): one writer, no
contention for SQLite's write lock, and crawl processes that never load the database
layer. `scrapy crawl NAME` run by hand records in-process through the same class.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.itemstream import STATUS_KEY

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kil_feed.config import Settings

logger = logging.getLogger(__name__)
FLUSH_SECONDS = 2.0
MAX_PENDING_BATCHES = 2


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
    checkpoint: dict[str, Any] | None = None  # notices sources: how far the API was read


class CrawlRecorder:
    """Feed it items (`add`) and drops (`dropped`); `close` waits for the writes."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        sources: list[dict[str, Any]],
        *,
        batch_size: int = 500,
        on_stored: Callable[[int], None] | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.batch_size = max(1, batch_size)
        self.on_stored = on_stored
        self.states = {s["id"]: SourceState(s) for s in sources}
        self.buffer: list[dict[str, Any]] = []
        self.health_pending: set[int] = set()  # sources whose answer is not written yet
        self.checkpoints: dict[int, dict[str, Any]] = {}  # written after the items before them
        self.last_flush = time.monotonic()
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kil-store")
        self.pending: list[Future[None]] = []
        self.lock = threading.Lock()  # counts are updated by the writer thread too

    @property
    def answered(self) -> int:
        """Sources that have answered so far (for progress)."""
        return sum(1 for s in self.states.values() if s.answered)

    # --- input ----------------------------------------------------------------------

    def add(self, item: dict[str, Any]) -> None:
        """A content item to store, or a status record (marked with STATUS_KEY)."""
        if item.get(STATUS_KEY):
            state = self.states.get(item.get("source_id"))  # type: ignore[arg-type]
            if state is not None:
                self._record_status(state, item)
        else:
            self.buffer.append(item)
        self.tick()

    def tick(self) -> None:
        """Write what is due: a full batch, or anything older than FLUSH_SECONDS."""
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        waiting = self.buffer or self.health_pending or self.checkpoints
        if len(self.buffer) >= self.batch_size or (due and waiting):
            self.flush()

    def dropped(self, source_id: Any, *, duplicate: bool) -> None:
        state = self.states.get(source_id)
        if state is not None:
            with self.lock:
                state.counts["duplicate" if duplicate else "dropped"] += 1

    def _record_status(self, state: SourceState, item: dict[str, Any]) -> None:
        if item.get("fatal", True):
            state.answered = True
            state.http_status = item.get("http_status") or state.http_status
            state.etag, state.last_modified = item.get("etag"), item.get("last_modified")
            state.problem = item.get("problem")
            if item.get("error"):
                state.fatal = item["error"]
            self.health_pending.add(item["source_id"])
        elif item.get("checkpoint") is not None:
            state.checkpoint = item["checkpoint"]
            self.checkpoints[item["source_id"]] = item["checkpoint"]
        elif item.get("error"):
            state.errors.append(item["error"])

    # --- writing --------------------------------------------------------------------

    def flush(self) -> None:
        """Hand the buffered items and new source health to the writer thread."""
        rows, self.buffer = self.buffer, []
        self.last_flush = time.monotonic()
        health = self._health_snapshot()
        checkpoints, self.checkpoints = self.checkpoints, {}
        if not rows and not health and not checkpoints:
            return
        while len(self.pending) >= MAX_PENDING_BATCHES:  # back-pressure: bounded memory
            self.pending.pop(0).result()
        # drop finished batches (result() re-raises a failed write here, in the caller)
        self.pending = [f for f in self.pending if not f.done() or f.result()]
        self.pending.append(self.writer.submit(self._write, rows, health, checkpoints))

    def _write(
        self,
        rows: list[dict[str, Any]],
        health: list[tuple[Any, ...]],
        checkpoints: dict[int, dict[str, Any]] | None = None,
    ) -> None:
        from kil_feed.db import write_session
        from kil_feed.rules import decide
        from kil_feed.storage import notices
        from kil_feed.storage.buyers import link_rows
        from kil_feed.storage.items import upsert_items

        names = {sid: s.source["name"] for sid, s in self.states.items()}
        rules = self.settings.rules

        def decision(row: Any) -> tuple[str, str | None, str | None]:
            result = decide(row, names.get(row["source_id"], ""), rules)
            return result.status, result.rule, result.reason

        counted: list[tuple[Any, str]] = []
        with write_session(self.engine) as session:
            if rows:
                link_rows(rows, session=session)
            plain, updates = notices.merge_notice_rows(rows, session=session)
            if plain:
                outcomes = upsert_items(plain, session=session, decide=decision)
                counted += zip((r["source_id"] for r in plain), outcomes, strict=True)
            if updates:
                outcomes = notices.apply_notice_updates(updates, session=session)
                counted += zip((sid for sid, _ in updates), outcomes, strict=True)
            self._write_health(health, session)
            if checkpoints:
                notices.save_checkpoints(checkpoints, session=session)
        with self.lock:
            for source_id, outcome in counted:
                state = self.states.get(source_id)
                if state is not None:
                    state.counts["duplicate" if outcome == "unchanged" else outcome] += 1
        if rows and self.on_stored is not None:
            self.on_stored(len(rows))

    def _health_snapshot(self) -> list[tuple[Any, ...]]:
        """(id, fatal error, etag, last_modified, problem) of sources that answered since."""
        pending, self.health_pending = self.health_pending, set()
        snapshot = []
        for sid in sorted(pending):
            state = self.states[sid]
            snapshot.append((sid, state.fatal, state.etag, state.last_modified, state.problem))
        return snapshot

    def _write_health(self, health: list[tuple[Any, ...]], session: Any) -> None:
        from kil_feed.storage.sources import FetchOutcome, record_fetches

        outcomes = [
            FetchOutcome(sid, error=fatal, etag=etag, last_modified=modified, problem=problem)
            for sid, fatal, etag, modified, problem in health
        ]
        record_fetches(outcomes, session=session)

    # --- the end --------------------------------------------------------------------

    def close(self, *, unanswered: str = "no answer before the crawl ended") -> None:
        """Write what is left, then close every source's run (a silent source failed)."""
        try:
            self.flush()
            for future in self.pending:
                future.result()
            self.pending = []
        finally:
            self.writer.shutdown(wait=True)
        self.finish_runs(unanswered)

    def finish_runs(self, unanswered: str) -> None:
        from kil_feed.db import write_session
        from kil_feed.storage.crawl_runs import RunResult, finish_runs

        for sid, state in self.states.items():
            if not state.answered:
                state.answered, state.fatal = True, unanswered
                self.health_pending.add(sid)
        results = []
        for state in self.states.values():
            if not state.source.get("run_id"):
                continue
            errors = [e for e in (state.fatal, _problem(state.problem, state.source)) if e]
            errors += state.errors[:20]
            if len(state.errors) > 20:
                errors.append(f"... and {len(state.errors) - 20} more page errors")
            results.append(
                RunResult(
                    state.source["run_id"],
                    new=state.counts["new"],
                    updated=state.counts["updated"],
                    duplicate=state.counts["duplicate"],
                    dropped=state.counts["dropped"],
                    http_status=state.http_status,
                    error="; ".join(errors) or None,
                )
            )
        with write_session(self.engine) as session:
            self._write_health(self._health_snapshot(), session)
            finish_runs(results, session=session)
        for state in self.states.values():
            logger.debug(
                "source done source=%s status=%s new=%d updated=%d duplicate=%d "
                "dropped=%d error=%s",
                state.source["name"], state.http_status, state.counts["new"],
                state.counts["updated"], state.counts["duplicate"], state.counts["dropped"],
                state.fatal,
            )  # fmt: skip


def _problem(problem: str | None, source: dict[str, Any]) -> str | None:
    if not problem:
        return None
    what = "notice data" if source.get("kind") == "notices" else "malformed feed"
    return f"{what}: {problem}"
