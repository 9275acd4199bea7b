"""What a crawl returns per source: `SourceSummary`, read off the recorder's states."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.records import CrawlSource
from kil_feed.ingest.launcher import CrawlProcess
from kil_feed.ingest.recorder import CrawlRecorder


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


def summaries(
    recorder: CrawlRecorder, prepared: list[CrawlSource], crawls: list[CrawlProcess]
) -> list[SourceSummary]:
    """One summary per prepared source, in their order: counts, answer, log, why stopped."""
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
