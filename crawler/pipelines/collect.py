"""Instead of storing: write what would be stored as JSON lines (`kil sources check`)."""

from __future__ import annotations

import json
from typing import IO, Any

from scrapy.crawler import Crawler

from crawler.pipelines.base import is_status
from crawler.records import ITEM_FIELDS

# what `kil sources check` shows of an item: its stored fields but the bookkeeping, the
# body and the keys the database matches on
KEEP = tuple(
    f
    for f in ITEM_FIELDS
    if f not in {"source_id", "run_id", "collected_at", "body_html", "image_url",
                 "content_hash", "title_key", "fingerprint"}
)  # fmt: skip


DROPPED = "kil/dropped/"  # the stats `crawler.pipelines.base.drop` counts drops by reason in


class CollectPipeline:
    def __init__(self, path: str, stats: Any = None) -> None:
        self.path = path
        self.stats = stats
        self.out: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectPipeline:
        return cls(crawler.settings.get("KIL_CHECK_OUTPUT"), crawler.stats)

    def open_spider(self, spider: Any = None) -> None:
        self.out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close_spider

    def close_spider(self, spider: Any = None) -> None:
        """Last, what the pipelines before dropped, by reason: a check that would store
        nothing says why ("no url": 1)."""
        if self.out is None:
            return
        counts = self.stats.get_stats() if self.stats is not None else {}
        dropped = {k.removeprefix(DROPPED): v for k, v in counts.items() if k.startswith(DROPPED)}
        if dropped:
            self.out.write(json.dumps({"dropped": dropped}) + "\n")
        self.out.close()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            record = {
                "status": {
                    k: item.get(k)
                    for k in ("http_status", "error", "problem", "fatal", "page_url", "read")
                }
            }
        else:
            record = {"item": {k: item.get(k) for k in KEEP}}
        assert self.out is not None
        self.out.write(json.dumps(record, default=str) + "\n")
        self.out.flush()
        return item
