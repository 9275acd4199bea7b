"""Which sources a crawl fetches, as the `CrawlSource` records its processes are given."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from crawler.records import CrawlSource
from crawler.revalidate import host_of
from kil_feed.db import write_session
from kil_feed.errors import ValidationError
from kil_feed.ingest.policy import RECENT, SPIDER_FOR_KIND, likely_unchanged
from kil_feed.models import Source
from kil_feed.storage import crawl_runs
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import as_utc, utcnow


def crawl_source(source: Source, run_id: int | None = None) -> CrawlSource:
    """What a crawl process needs to know of a stored source."""
    return CrawlSource(
        id=int(source.id),  # type: ignore[arg-type]
        name=source.name,
        kind=source.kind,
        url=source.url,
        options=dict(source.options or {}),
        topics=list(source.topics or []),
        regions=list(source.regions or []),
        etag=source.etag,
        last_modified=source.last_modified,
        run_id=run_id,
        checkpoint=dict(source.checkpoint) if source.checkpoint else None,
        recently_fetched=source.last_success_at is not None
        and utcnow() - as_utc(source.last_success_at) < RECENT,  # type: ignore[operator]
    )


def prepare_sources(
    engine: Engine, *, names: Sequence[str] | None = None, kinds: Sequence[str] | None = None
) -> list[CrawlSource]:
    """The sources to crawl (default: every enabled one), each with a new crawl run."""
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
        run_ids = crawl_runs.start_runs([s.id for s in chosen], session=session)  # type: ignore[misc]
        return [crawl_source(s, run_id) for s, run_id in zip(chosen, run_ids, strict=True)]


VALIDATED_WORK = 1 / 25  # what a source that answers 304 costs (measured)


def crawl_work(sources: Sequence[CrawlSource]) -> float:
    """The sources' crawl work in fresh sources. A source that is `likely_unchanged` but
    still reaches a crawl process costs it about 1/25 of fetching and parsing a feed of 50
    entries (`bench/ingest.py`: 0.4 s against 10 s per 150 sources). One fetched days ago
    has most likely changed (a weekly crawl of news feeds): it counts in full, so such a
    crawl still uses every CPU."""
    return sum(VALIDATED_WORK if likely_unchanged(s) else 1 for s in sources)


def split_by_host(sources: Sequence[CrawlSource], parts: int) -> list[list[CrawlSource]]:
    """Up to `parts` shares of about equal size that never split one host's sources, so
    each host's politeness (per-domain concurrency and delay) holds across processes."""
    by_host: dict[str, list[CrawlSource]] = {}
    for source in sources:
        by_host.setdefault(host_of(source["url"]), []).append(source)
    shares: list[list[CrawlSource]] = [[] for _ in range(max(1, min(parts, len(by_host))))]
    for group in sorted(by_host.values(), key=len, reverse=True):  # largest first
        min(shares, key=len).extend(group)
    return [share for share in shares if share]
