"""Helpers shared by the pipelines: status items pass through, drops are counted."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.itemstream import STATUS_KEY


def is_status(item: Any) -> bool:
    """A spider's per-source outcome record, not content: pipelines let it through."""
    return isinstance(item, dict) and bool(item.get(STATUS_KEY))


def drop(stats: Any, reason: str, item: dict[str, Any]) -> DropItem:
    """A DropItem with a reason, counted in the crawl stats by reason."""
    if stats is not None:
        stats.inc_value(f"kil/dropped/{reason.split(':')[0]}")
    return DropItem(f"{reason} ({item.get('source')}: {item.get('url') or item.get('title')})")
