"""Instead of storing: write what would be stored as JSON lines (`kil sources check`)."""

from __future__ import annotations

import json
from typing import IO, Any

from scrapy.crawler import Crawler

from crawler.pipelines.base import is_status

KEEP = (
    "kind", "url", "guid", "title", "summary", "published_at", "date_estimated", "topics",
    "regions", "employer", "location", "contract_type", "pay_min", "pay_max", "pay_period",
    "pay_currency", "ir35", "closes_at", "author",
)  # fmt: skip


class CollectPipeline:
    def __init__(self, path: str) -> None:
        self.path = path
        self.out: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectPipeline:
        return cls(crawler.settings.get("KIL_CHECK_OUTPUT"))

    def open_spider(self, spider: Any = None) -> None:
        self.out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close_spider

    def close_spider(self, spider: Any = None) -> None:
        if self.out is not None:
            self.out.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            record = {
                "status": {k: item.get(k) for k in ("http_status", "error", "problem", "fatal")}
            }
        else:
            record = {"item": {k: item.get(k) for k in KEEP}}
        assert self.out is not None
        self.out.write(json.dumps(record, default=str) + "\n")
        self.out.flush()
        return item
