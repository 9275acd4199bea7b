"""robots.txt as RFC 9309 §2.3.1 says: 5xx means disallow everything (recorded on the
source as not crawled), 4xx means no rules at all, whatever the error page says."""

from __future__ import annotations

from typing import Any

from kil_feed.db import read_session
from kil_feed.storage.sources import get_source

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council brings housing repairs back in-house</title>
<link>http://example.org/news/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Procurement news from Leeds.</description></item></channel></rss>"""


def test_robots_txt_5xx_disallows_and_4xx_allows(
    cli: Any, http_server: Any, crawl_settings: Any, crawl_engine: Any
) -> None:
    feed = http_server.add("/news.rss", FEED, "application/rss+xml")
    cli("sources", "add", "council", feed)
    http_server.add("/robots.txt", "Service Unavailable", "text/plain", status=503)

    assert cli("crawl", ok=False).exit_code == 6
    assert http_server.requests_to("/news.rss") == []  # not even asked for
    assert _last_error(crawl_engine) == "robots.txt unavailable (503): not crawled"

    # a 404 whose error page happens to read like rules is still "no robots.txt": allowed
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain", status=404)
    result = cli("crawl")
    assert "1 sources, 1 new items; none failed" in result.output
    assert len(http_server.requests_to("/news.rss")) == 1

    # a real robots.txt that disallows is obeyed as before
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
    assert cli("crawl", ok=False).exit_code == 6
    assert _last_error(crawl_engine) == "Forbidden by robots.txt"


def _last_error(engine: Any) -> str | None:
    with read_session(engine) as session:
        return get_source("council", session=session).last_error
