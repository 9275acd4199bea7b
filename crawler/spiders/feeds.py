"""RSS/Atom/JSON feeds, downloaded by Scrapy and parsed with feedparser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawler.extract.feed import parse_feed_response, response_headers
from crawler.extract.feedlinks import feed_links
from crawler.extract.jsonfeed import parse_json_feed
from crawler.records import CrawlSource
from crawler.spiders.base import SourceSpider, body_text, sniff


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
            reason = parsed.problem or "no entries"
            if kind == "html":  # feedparser's complaint would be about XML
                reason = _page_reason(feed_links(body_text(response), response.url))
            error = f"not a feed ({ctype.split(';')[0]}): {reason}"
            yield self.status_item(source, http_status=response.status, error=parsed.error or error)
            return
        if parsed.problem and not parsed.entries:  # malformed, and nothing could be read
            error = f"malformed feed with no entries: {parsed.problem}"
            yield self.status_item(source, http_status=response.status, error=error)
            return
        for entry in parsed.entries:
            yield self.content_item(source, entry)
        # malformed but it gave entries (feedparser's bozo): the source is ok, with a warning
        yield self.status_item(
            source, http_status=response.status, problem=parsed.problem, response=response,
            site_title=parsed.title,
        )  # fmt: skip


def _page_reason(found: list[str]) -> str:
    """Why a web page is no feed, and what to add instead."""
    if not found:
        return "a web page that links to no feed (add a page of articles with kind 'page')"
    more = f" (or {', '.join(found[1:3])})" if len(found) > 1 else ""
    return f"a web page; its feed is {found[0]}{more}: use that as the URL"
