"""What a crawl fetches, and which feeds it asks first whether they changed.

Standard library only: `kil crawl` decides what to ask ahead (`ingest.ahead`) before it has
imported its storage.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from crawler.records import CrawlSource

SPIDER_FOR_KIND = {"feed": "feeds", "page": "pages", "jobs": "jobs", "notices": "notices"}
REVALIDATE_SECONDS = 5.0  # at most, asking feeds whether they changed before the crawl
CONDITIONAL_KINDS = {"feed"}  # fetched with If-None-Match / If-Modified-Since
RECENT = timedelta(hours=3)  # fetched this recently, a feed has most likely not changed


def likely_unchanged(source: CrawlSource) -> bool:
    """A feed with a stored ETag or Last-Modified fetched without error in the last few
    hours: it will most likely answer 304, so it is asked first without Scrapy
    (`crawler.revalidate`)."""
    return (
        source["kind"] in CONDITIONAL_KINDS
        and bool(source.get("recently_fetched"))
        and bool(source.get("etag") or source.get("last_modified"))
    )


def revalidation_budget(close_spider_after: float) -> float:
    """Seconds the asking may take: a quarter of the crawl's time, at most 5 s."""
    return min(REVALIDATE_SECONDS, max(0.0, close_spider_after) / 4)


def origin_of(url: str) -> str:
    """`scheme://netloc` of a URL: what a robots.txt answer is kept under (`crawler.robots`)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
