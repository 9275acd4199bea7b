"""5. store: every record goes down the pipe to the launcher, which records it.

Launched by `kil crawl` (the launcher passed a pipe, `crawler.itemstream`), each content
item is sent as a `CrawledItem`, each source's outcome as a `SourceStatus`, each drop as a
count; the launcher's one recorder (`kil_feed.ingest.recorder`) writes them. Run by hand
(`scrapy crawl feeds -a url=... -O items.jsonl`), there is no pipe: the pipeline hands on
the record as it would have crossed the pipe, so Scrapy's feed exports write exactly that.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import create_looping_call

from crawler.itemstream import FLUSH_SECONDS, STATUS_KEY, RecordSender, stream_fd
from crawler.pipelines.base import is_status
from crawler.pipelines.dedupe import DUPLICATE
from crawler.records import Record, RobotsAnswer, crawled_item, source_status
from crawler.robots import robots_fetched

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sender: RecordSender | None = None
        self.flusher: Any = None  # the timer that sends partial batches
        self.stopping = False  # the launcher is gone and the crawl was told to stop

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.robots_fetched, signal=robots_fetched)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        fd = stream_fd()
        if fd is None:
            return  # by hand: the feed exports (-o/-O) write what passes
        self.sender = RecordSender(fd)
        self.flusher = create_looping_call(self._send_pending)
        self.flusher.start(FLUSH_SECONDS, now=False)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.sender is not None:
            self._send_released()
            self.sender.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            status = source_status(item)
            self._send(("status", status))
            return {STATUS_KEY: True, **status} if self.sender is None else item
        record = crawled_item(item)
        self._send(("item", record))
        return dict(record) if self.sender is None else item

    def item_dropped(
        self, item: Any, response: Any = None, exception: Any = None, **kw: Any
    ) -> None:
        if isinstance(item, dict):
            duplicate = str(exception or "").startswith(DUPLICATE)
            self._send(("dropped", item.get("source_id"), duplicate))

    def robots_fetched(self, answer: RobotsAnswer, **kw: Any) -> None:
        """A robots.txt fetched here, for the launcher to keep (`crawler.robots`)."""
        self._send(("robots", answer))

    def _send(self, record: Record) -> None:
        if self.sender is None or self.sender.broken:
            return
        try:
            self.sender.send(record)
        except OSError:
            self._launcher_gone()

    def _send_released(self) -> None:
        """A crawl worker's finished requests (`crawler.leases`), after their records."""
        leases = getattr(self.crawler.spider, "leases", None)
        fields = leases.released() if leases is not None else None
        if fields:
            self._send(("done", fields))

    def _send_pending(self) -> None:
        """The timer's tick: send what is queued, or stop if the launcher is gone."""
        if self.sender is None:
            return
        if self.sender.broken or self.sender.reader_closed():
            self._launcher_gone()
            return
        self._send_released()
        try:
            self.sender.flush()
        except OSError:
            self._launcher_gone()

    def _launcher_gone(self) -> None:
        """The launcher died (a kill -9): nothing can be recorded now, so the crawl stops.
        The first time as a SIGTERM stops it; at the next tick as a second SIGTERM does, at
        once, without waiting for the requests in flight (a hanging site would keep an
        orphaned process fetching until its download timeout)."""
        assert self.sender is not None
        self.sender.broken = True
        if not self.stopping:
            logger.error("the launcher's pipe is closed: stopping the crawl")
        self.stopping = True
        os.kill(os.getpid(), signal.SIGTERM)
