"""2. normalise: canonical URL, UTC dates, clean text, sanitised HTML, a short summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from scrapy.crawler import Crawler

from crawler.extract.text import clean_text, html_to_text, repair_mojibake, shorten
from crawler.normal import canonical_link, parse_date, sanitise_html
from crawler.pipelines.base import drop, is_status
from crawler.pipelines.validate import FRAGMENT_KEY

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
SUMMARY_CHARS = 300


# what people read of an item, repaired when its UTF-8 was read as cp1252 ("Â£500 per day")
_TEXT_FIELDS = (
    "title", "summary", "summary_html", "body_html", "body_text", "author", "employer", "location",
)  # fmt: skip


def _repair_text(item: dict[str, Any]) -> None:
    body_is_summary = item.get("body_html") is not None and item.get("summary_html") is item.get(
        "body_html"
    )
    for key in _TEXT_FIELDS:
        value = item.get(key)
        if isinstance(value, str):
            item[key] = repair_mojibake(value)
    if body_is_summary:  # one text read once (see the summary below)
        item["summary_html"] = item["body_html"]


class NormalisePipeline:
    def __init__(self, stats: Any = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler.stats)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if is_status(item):
            return item
        base = item.get("base_url") or item.get("url")
        url = canonical_link(base, str(item["url"]).strip())
        if url is None:
            raise drop(self.stats, "bad url", item)
        if item.get(FRAGMENT_KEY):  # a linkless entry's own place on its site (validate)
            url = f"{url}#{item[FRAGMENT_KEY]}"
        item["url"] = url
        _repair_text(item)
        item["title"] = clean_text(item.get("title"))[:500]
        if not item["title"]:
            raise drop(self.stats, "no title", item)
        if item.get("guid"):
            item["guid"] = str(item["guid"]).strip()[:500]
        collected = item.get("collected_at") or datetime.now(UTC)
        item["collected_at"] = collected
        # the date as written, read by our one date parser; a feed entry's date as feedparser
        # read it only when ours cannot (feedparser took "2020/1/10 14:33" for 1 December)
        published = parse_date(item.get("published_raw")) or item.get("published")
        if published is None or published < EARLIEST or published > collected + FUTURE_SLACK:
            item["published_at"], item["date_estimated"] = collected, True
        else:
            item["published_at"], item["date_estimated"] = published.astimezone(UTC), False
        body = item.get("body_html") or ""
        if not body and item.get("body_text"):
            body = "".join(f"<p>{escape(p)}</p>" for p in str(item["body_text"]).split("\n\n"))
        item["body_html"] = sanitise_html(body, url)
        item["_text"] = html_to_text(item["body_html"])  # reused by classify and dedupe
        summary = clean_text(item.get("summary"))
        summary_html = item.get("summary_html")
        if not summary and summary_html:
            # a feed entry without content has its summary as body: that text is read already
            summary = item["_text"] if summary_html is body else html_to_text(summary_html)
        if not summary:
            summary = item["_text"]
        item["summary"] = shorten(summary, SUMMARY_CHARS, whole_words=0.6, labels=True)
        item["author"] = clean_text(item.get("author"))[:200] or None
        image = item.get("image_url")
        item["image_url"] = canonical_link(url, image, strip_tracking=False) if image else None
        for key in ("employer", "location"):
            if item.get(key):
                item[key] = clean_text(item[key])[:300] or None
        return item
