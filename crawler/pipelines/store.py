"""5. store: every item and per-source outcome goes to the crawl's `CrawlRecorder`.

Launched by `kil crawl` (the launcher passed a pipe, `crawler.itemstream`), records are
sent to the launcher, whose one recorder writes the batches for all crawl processes. Run
by hand (`scrapy crawl feeds` from the repo root), the pipeline records in-process: it
opens the database and crawls every enabled source of the spider's kind unless the spider
was given a sources file. Dropped items are counted via the `item_dropped` signal.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import create_looping_call

from crawler.itemstream import FLUSH_SECONDS, RecordSender, content_fields, stream_fd
from crawler.pipelines.dedupe import DUPLICATE


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_size = crawler.settings.getint("KIL_STORE_BATCH_SIZE", 500)
        self.sender: RecordSender | None = None
        self.flusher: Any = None  # the timer that sends partial batches
        self.recorder: Any = None  # a CrawlRecorder when recording in-process

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        fd = stream_fd()
        if fd is not None:
            self.sender = RecordSender(fd)
            self.flusher = create_looping_call(self.sender.flush)
            self.flusher.start(FLUSH_SECONDS, now=False)
            return
        self._open_recorder(spider or self.crawler.spider)

    def _open_recorder(self, spider: Any) -> None:
        from crawler.recorder import CrawlRecorder
        from kil_feed.crawling import prepare_sources, settings_from_environment
        from kil_feed.db import make_engine

        settings = settings_from_environment()
        engine = make_engine(settings)
        if not getattr(spider, "sources", None):
            # run straight from `scrapy crawl NAME`: crawl every enabled source of that kind
            spider.sources = prepare_sources(engine, kinds=[spider.source_kind])
        stats = self.crawler.stats
        self.recorder = CrawlRecorder(
            settings, engine, spider.sources, batch_size=self.batch_size,
            on_stored=lambda n: stats.inc_value("kil/stored", n),  # type: ignore[union-attr]
        )  # fmt: skip

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.sender is not None:
            self.sender.close()
        if self.recorder is not None:
            try:
                self.recorder.close()
            finally:
                self.recorder.engine.dispose()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        fields = content_fields(item)
        if self.sender is not None:
            self.sender.send(("item", fields))
        elif self.recorder is not None:
            self.recorder.add(fields)
        return item

    def item_dropped(
        self, item: Any, response: Any = None, exception: Any = None, **kw: Any
    ) -> None:
        if not isinstance(item, dict):
            return
        duplicate = str(exception or "").startswith(DUPLICATE)
        if self.sender is not None:
            self.sender.send(("dropped", item.get("source_id"), duplicate))
        elif self.recorder is not None:
            self.recorder.dropped(item.get("source_id"), duplicate=duplicate)
