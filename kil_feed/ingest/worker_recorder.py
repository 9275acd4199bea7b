"""The Redis worker's record stage: what its crawl processes send, through `kil_feed.storage`.

Unlike a local crawl's `recorder.CrawlRecorder`, a worker does not know a source's whole
crawl: a source's requests may be spread over many workers, so every batch *adds* its counts
to the source's run (`finish_runs`), and the run is closed (and the source's health and
validators written, once, by the worker that fetched it) when the source's own answer
arrives. Each batch is one transaction; what it stored releases its leases (`on_stored`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crawler.records import CrawledItem, Record, SourceStatus
from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.ingest.batches import BatchWriter
from kil_feed.ingest.source_state import warning_text
from kil_feed.rules import decider
from kil_feed.storage.crawl_runs import RunResult, finish_runs
from kil_feed.storage.crawled import store_crawled
from kil_feed.storage.notices import save_checkpoints
from kil_feed.storage.sources import FetchOutcome, record_fetches, source_names


@dataclass
class WorkerReport:
    """What one worker stored before it stopped."""

    items: int = 0
    new: int = 0
    answered: int = 0  # sources whose own answer this worker recorded


class WorkerRecorder:
    """Buffers records from the worker's processes; each flush is one transaction, written
    by a writer thread while the reading goes on (`batches.BatchWriter`), so the crawl
    processes never wait on a full pipe while a batch is being committed."""

    def __init__(
        self,
        settings: Settings,
        engine: Any,
        on_stored: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.on_stored = on_stored  # gets the leases released by each commit
        self.rules = settings.rules
        self.engine = engine
        self.batch_size = max(1, settings.crawl.store_batch_size)
        self.records: list[Record] = []
        self.items = 0
        self.runs: dict[int, int] = {}  # source id -> its latest run (for drops)
        self.names: dict[int, str] = {}
        self.report = WorkerReport()
        self.writer = BatchWriter("kil-worker-store")

    def take(self, records: Iterable[Record]) -> None:
        for record in records:
            self.records.append(record)
            if record[0] == "item":
                self.items += 1
        self.tick()

    def tick(self) -> None:
        if self.items >= self.batch_size or (self.records and self.writer.due()):
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the writer (a failed write is raised here, next time)."""
        records, self.records, self.items = self.records, [], 0
        self.writer.flushed()
        if records:
            self.writer.submit(self._write, records)

    def close(self) -> None:
        """Write what is left and wait for every write."""
        try:
            self.flush()
            self.writer.wait()
        finally:
            self.writer.shutdown()

    def _write(self, records: list[Record]) -> None:
        rows: list[CrawledItem] = [r[1] for r in records if r[0] == "item"]
        statuses: list[SourceStatus] = [r[1] for r in records if r[0] == "status"]
        for row in rows:
            if row.get("run_id"):
                self.runs[row["source_id"]] = row["run_id"]  # type: ignore[assignment]
        for status in statuses:
            if status.get("run_id"):
                self.runs[status["source_id"]] = status["run_id"]  # type: ignore[assignment]
        with write_session(self.engine) as session:  # one commit per batch
            unknown = {r["source_id"] for r in rows} - set(self.names)
            self.names.update(source_names(sorted(unknown), session=session))
            decide = decider(self.rules, self.names)
            counts: dict[int, Counter[str]] = {}
            for source_id, outcome in store_crawled(rows, session=session, decide=decide):
                if source_id in self.runs:
                    key = "duplicate" if outcome == "unchanged" else outcome
                    counts.setdefault(self.runs[source_id], Counter())[key] += 1
            for record in records:
                if record[0] == "dropped" and record[1] in self.runs:
                    key = "duplicate" if record[2] else "dropped"
                    counts.setdefault(self.runs[record[1]], Counter())[key] += 1
            fatal = [s for s in statuses if s["fatal"]]
            record_fetches(
                [FetchOutcome(s["source_id"], error=s["error"], etag=s["etag"],
                              last_modified=s["last_modified"],
                              warning=warning_text(s["problem"], s.get("kind")),
                              title=s.get("site_title"))
                 for s in fatal],
                session=session,
            )  # fmt: skip
            checkpoints = {s["source_id"]: s["checkpoint"] for s in statuses
                           if s.get("checkpoint") is not None}  # fmt: skip
            if checkpoints:  # notices: how far their API was read, after the items
                save_checkpoints(checkpoints, session=session)  # type: ignore[arg-type]
            finish_runs(_run_results(counts, statuses), session=session)
        released = [f for r in records if r[0] == "done" for f in r[1]]
        if released and self.on_stored is not None:
            self.on_stored(released)
        self.report.items += len(rows)
        self.report.new += sum(c["new"] for c in counts.values())
        self.report.answered += len(fatal)


def _run_results(counts: dict[int, Counter[str]], statuses: list[SourceStatus]) -> list[RunResult]:
    """One result per run touched by a batch: its counts, its answer, its page errors."""
    answers: dict[int, SourceStatus] = {}
    errors: dict[int, list[str]] = {}
    for status in statuses:
        run_id = status.get("run_id")
        if not run_id:
            continue
        if status["fatal"]:
            answers[run_id] = status
        for text in (
            status["error"],
            warning_text(status["problem"], status.get("kind")),
        ):
            if text:
                errors.setdefault(run_id, []).append(text)
    results = []
    for run_id in sorted(set(counts) | set(errors) | set(answers)):
        c = counts.get(run_id, Counter())
        answer = answers.get(run_id)
        results.append(
            RunResult(
                run_id,
                new=c["new"],
                updated=c["updated"],
                duplicate=c["duplicate"],
                dropped=c["dropped"],
                http_status=answer["http_status"] if answer else None,
                error="; ".join(errors[run_id]) if run_id in errors else None,
                answered=answer is not None,
            )  # fmt: skip
        )
    return results
