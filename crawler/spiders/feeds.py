"""RSS/Atom/JSON feeds, downloaded by Scrapy and parsed with feedparser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.extract.feed import parse_feed_response, response_headers
from crawler.extract.jsonfeed import parse_json_feed
from crawler.records import CrawlSource
from crawler.spiders.base import SourceSpider, sniff


class FeedsSpider(SourceSpider):
    name = "feeds"
    source_kind = "feed"
    conditional = True

    def parse_source(self, response: Response, source: CrawlSource) -> Iterator[dict[str, Any]]:
        kind = sniff(response)
        headers = response_headers(response)
        if kind == "json":  # feedparser reads XML only
            parsed = parse_json_feed(response.body, response.url, headers)
        else:
            parsed = parse_feed_response(response)
        if not parsed.is_feed:
            ctype = headers.get("Content-Type", "unknown type")
            error = f"not a feed ({ctype.split(';')[0]}): {parsed.problem or 'no entries'}"
            yield self.status_item(source, http_status=response.status, error=parsed.error or error)
            return
        for entry in parsed.entries:
            yield self.content_item(source, entry)
        yield self.status_item(
            source, http_status=response.status, problem=parsed.problem, response=response,
            site_title=parsed.title,
        )  # fmt: skip
