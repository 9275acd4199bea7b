"""1. validate: an item without a link gets one from its id; drop items without a URL or a
title, with a counted reason.

A feed entry need not have a link (RSS 2.0 makes every element of an item optional, and
feedparser makes only a permalink guid the link). Like Miniflux and feedparser's own
conventions, such an entry is kept when it has an id:

- a guid (or Atom id) that is itself an http(s) URL is the entry's URL, even when
  isPermaLink="false";
- any other guid gives a stable URL under the feed's own site (its `link`, else the feed's
  URL) with a fragment derived from the guid, `#entry-<digest>`: the same entry gets the
  same URL on every crawl, so dedupe on (source, url) stays stable, and it never collides
  with another entry of the feed;
- an entry with neither link nor id is dropped as "no url".
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

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
            _url_from_guid(item)
        if not str(item.get("url") or "").strip():
            raise drop(self.stats, "no url", item)
        if not str(item.get("title") or "").strip():
            raise drop(self.stats, "no title", item)
        return item


FRAGMENT_KEY = "_url_fragment"  # kept by the normalise pipeline after canonicalising the URL


def _url_from_guid(item: dict[str, Any]) -> None:
    """Give a linkless item the URL its guid stands for (see the module's docstring)."""
    guid = str(item.get("guid") or "").strip()
    if not guid:
        return
    if _is_web_url(guid):
        item["url"] = guid
        return
    sites = (str(item.get(key) or "").strip() for key in ("_site_url", "base_url"))
    site = next((s for s in sites if _is_web_url(s)), None)
    if site is None:
        return
    item["url"] = site.split("#", 1)[0]
    item[FRAGMENT_KEY] = "entry-" + hashlib.blake2b(guid.encode(), digest_size=8).hexdigest()


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in value
