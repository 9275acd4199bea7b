"""1. validate: drop items without a URL or a title, with a counted reason."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.pipelines.base import drop, is_status


class ValidatePipeline:
    def __init__(self, stats: Any = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            return item
        if not str(item.get("url") or "").strip():
            raise drop(self.stats, "no url", item)
        if not str(item.get("title") or "").strip():
            raise drop(self.stats, "no title", item)
        return item
