"""4. dedupe: compute the keys that find this item again and its copies elsewhere.

The same item seen twice in one crawl is dropped here (counted as a duplicate). Matching
against what is already stored happens in the database, in the store pipeline's batched
upsert (`kil_feed.storage.items.upsert_items`): the natural key (source + canonical URL,
or source + GUID) updates in place; `title_key`/`fingerprint` equality (indexed) joins an
item to another source's copy.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.dedupe_keys import item_keys
from crawler.pipelines.base import drop, is_status

DUPLICATE = "duplicate"


class DedupePipeline:
    def __init__(self, stats: Any = None) -> None:
        self.stats = stats
        self.seen: set[tuple[Any, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            return item
        source = item.get("source_id")
        keys = [(source, "url", item["url"])]
        if item.get("guid"):
            keys.append((source, "guid", item["guid"]))
        # a procurement seen on two pages of one crawl is one notice: storage merges them
        if item.get("kind") != "notice" and any(key in self.seen for key in keys):
            raise drop(self.stats, f"{DUPLICATE}: seen in this crawl", item)
        self.seen.update(keys)
        item.update(item_keys(item, item.get("_text")))
        return item
