"""Worker spiders (`feeds_worker`, `pages_worker`, `jobs_worker`): the same spiders, fed
from a shared Redis queue by scrapy-redis instead of a sources file.

`kil crawl` with `[crawl] backend = "redis"` pushes each due source (a JSON
`crawler.records.CrawlSource`) onto the list `<prefix><spider>:start_urls`; every worker
process of every machine pops them (scrapy-redis `RedisMixin`), and the requests they lead
to go through scrapy-redis's shared scheduler queue and dupe filter (the Scrapy settings
`kil_feed.ingest.workers` gives them). Parsing and the pipelines are the plain spiders'.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy_redis.spiders import RedisMixin

from crawler.records import CrawlSource
from crawler.spiders.feeds import FeedsSpider
from crawler.spiders.jobs import JobsSpider
from crawler.spiders.pages import PagesSpider


class QueuedSources(RedisMixin):
    """Sources come from Redis, one JSON `CrawlSource` per list entry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
        self.sources: list[CrawlSource] = []
        self.worker_pid = os.getppid()  # the `kil worker crawl` that records what we send

    def orphaned(self) -> bool:
        """Our worker is gone (`kill -9`): take nothing more, let the spider close."""
        return os.getppid() != self.worker_pid

    def next_requests(self) -> Iterator[scrapy.Request]:
        if self.orphaned():
            return iter(())
        return super().next_requests()  # type: ignore[misc]

    def spider_idle(self) -> None:
        if self.orphaned():
            return  # no DontCloseSpider: the spider closes
        super().spider_idle()  # type: ignore[misc]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.setup_redis(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for request in self.next_requests():
            yield request

    def make_request_from_data(self, data: bytes) -> scrapy.Request | None:
        try:
            source = json.loads(data)
        except ValueError:
            self.logger.warning("not a queued source, skipped: %r", data[:200])
            return None
        if not isinstance(source, dict) or source.get("kind") != self.source_kind:  # type: ignore[attr-defined]
            self.logger.warning("not a %s source, skipped: %r", self.source_kind, data[:200])  # type: ignore[attr-defined]
            return None
        self.mark_in_flight(source)
        return self.source_request(source)  # type: ignore[attr-defined]

    def mark_in_flight(self, source: CrawlSource) -> None:
        """Note in Redis that this worker has the source, until its answer is stored.

        The worker (`KIL_WORKER_ID`, whose heartbeat key lives while it does) clears the
        entry when it has stored the source's answer; if the worker dies first, another one
        finds the entry orphaned and puts the source back on the start list."""
        settings = self.crawler.settings  # type: ignore[attr-defined]
        key, owner = settings.get("KIL_IN_FLIGHT_KEY"), settings.get("KIL_WORKER_ID")
        if key and owner and source.get("run_id"):
            entry = json.dumps({"owner": owner, "source": source})
            self.server.hset(key, str(source["run_id"]), entry)  # type: ignore[union-attr]


class FeedsWorker(QueuedSources, FeedsSpider):
    name = "feeds_worker"


class PagesWorker(QueuedSources, PagesSpider):
    name = "pages_worker"


class JobsWorker(QueuedSources, JobsSpider):
    name = "jobs_worker"
