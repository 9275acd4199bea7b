"""Worker spiders (`feeds_worker`, `pages_worker`, `jobs_worker`, `notices_worker`): the
same spiders, fed from a shared Redis queue by scrapy-redis instead of a sources file.

`kil crawl` with `[crawl] backend = "redis"` pushes each due source (a JSON
`crawler.records.CrawlSource`) onto the list `<prefix><spider>:start_urls`; every worker
process of every machine pops them (scrapy-redis `RedisMixin`), and the requests they lead
to go through scrapy-redis's shared scheduler queue and dupe filter (the Scrapy settings
`kil_feed.ingest.worker` gives them). Parsing and the pipelines are the plain spiders'.
Both kinds of pop are leased (`crawler.leases`): what a killed worker held goes back.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.spiders import RedisMixin

from crawler.leases import POP_REQUEST, POP_SOURCES
from crawler.records import CrawlSource
from crawler.spiders.feeds import FeedsSpider
from crawler.spiders.jobs import JobsSpider
from crawler.spiders.notices import NoticesSpider
from crawler.spiders.pages import PagesSpider


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request into the worker's lease
    hash (`KIL_LEASE_KEY`); `released` tells which leases the engine is done with."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.lease_key: str | None = spider.settings.get("KIL_LEASE_KEY")
        self.pop_script = server.register_script(POP_REQUEST)
        self.held: dict[scrapy.Request, str] = {}  # request -> its lease field
        spider.leases = self

    def orphaned(self) -> bool:
        """Our worker is gone: what is queued is for the others (and, seen as empty, the
        spider goes idle and closes)."""
        return bool(self.lease_key) and getattr(self.spider, "orphaned", lambda: False)()

    def __len__(self) -> int:
        return 0 if self.orphaned() else super().__len__()  # type: ignore[no-any-return]

    def pop(self, timeout: int = 0) -> scrapy.Request | None:
        if not self.lease_key:
            return super().pop(timeout)  # type: ignore[no-any-return]
        if self.orphaned():
            return None
        found = self.pop_script(keys=[self.key, self.lease_key])
        if not found:
            return None
        field, data = found
        request: scrapy.Request = self._decode_request(data)
        self.held[request] = field.decode() if isinstance(field, bytes) else field
        return request

    def released(self) -> list[str]:
        """Leases of the requests the engine has finished (downloaded, parsed, and their
        items through the pipelines): the store pipeline sends them after those items."""
        slot = getattr(self.spider.crawler.engine, "_slot", None)
        active = slot.inprogress if slot is not None else ()
        done = [request for request in self.held if request not in active]
        return [self.held.pop(request) for request in done]


class QueuedSources(RedisMixin):
    """Sources come from Redis, one JSON `CrawlSource` per list entry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, *args, **kwargs)  # type: ignore[arg-type]
        self.sources: list[CrawlSource] = []
        self.worker_pid = os.getppid()  # the `kil worker crawl` that records what we send
        self.leases: LeasedQueue | None = None
        self.start_leases: list[str] = []  # sources taken, their requests not yet queued

    def orphaned(self) -> bool:
        """Our worker is gone (`kill -9`): take nothing more, let the spider close."""
        return os.getppid() != self.worker_pid

    def pop_list_queue(self, redis_key: str, batch_size: int) -> list[bytes]:
        lease_key = self.crawler.settings.get("KIL_LEASE_KEY")  # type: ignore[attr-defined]
        if not lease_key:
            return super().pop_list_queue(redis_key, batch_size)  # type: ignore[misc, no-any-return]
        script = self.server.register_script(POP_SOURCES)  # type: ignore[attr-defined]
        found = script(keys=[redis_key, lease_key], args=[batch_size])
        self.start_leases += [f.decode() if isinstance(f, bytes) else f for f in found[::2]]
        return list(found[1::2])

    def release_start_leases(self) -> None:
        """The taken sources' requests are on the shared queue now: the leases can go."""
        lease_key = self.crawler.settings.get("KIL_LEASE_KEY")  # type: ignore[attr-defined]
        if self.start_leases and lease_key:
            fields, self.start_leases = self.start_leases, []
            self.server.hdel(lease_key, *fields)  # type: ignore[attr-defined]

    def next_requests(self) -> Iterator[scrapy.Request]:
        if self.orphaned():
            return iter(())
        return super().next_requests()  # type: ignore[misc, no-any-return]

    def schedule_next_requests(self) -> None:
        super().schedule_next_requests()  # type: ignore[misc]
        self.release_start_leases()

    def spider_idle(self) -> None:
        if self.orphaned():
            return  # no DontCloseSpider: the spider closes
        super().spider_idle()  # type: ignore[misc]

    def refill(self) -> None:
        """The request queue ran dry: take the next batch of sources now, not only when
        the spider is idle (scrapy-redis's own rule), so the downloader never drains to
        nothing between batches while the slowest source of the last one answers."""
        if not self.orphaned():
            self.schedule_next_requests()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[misc]
        spider.setup_redis(crawler)
        crawler.signals.connect(spider.refill, signal=signals.scheduler_empty)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for request in self.next_requests():
            yield request  # the engine queues each before it asks for the next
        self.release_start_leases()

    def make_request_from_data(self, data: bytes) -> scrapy.Request | None:
        try:
            source = json.loads(data)
        except ValueError:
            self.logger.warning("not a queued source, skipped: %r", data[:200])
            return None
        if not isinstance(source, dict) or source.get("kind") != self.source_kind:  # type: ignore[attr-defined]
            self.logger.warning("not a %s source, skipped: %r", self.source_kind, data[:200])  # type: ignore[attr-defined]
            return None
        return self.source_request(source)  # type: ignore[attr-defined, no-any-return]


class FeedsWorker(QueuedSources, FeedsSpider):
    name = "feeds_worker"


class PagesWorker(QueuedSources, PagesSpider):
    name = "pages_worker"


class JobsWorker(QueuedSources, JobsSpider):
    name = "jobs_worker"


class NoticesWorker(QueuedSources, NoticesSpider):
    """Notices page along their API's cursor; each page is a request on the shared queue
    (any worker may read the next one) and its checkpoint is stored as locally."""

    name = "notices_worker"
