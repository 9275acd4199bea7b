"""robots.txt as RFC 9309 §2.3.1 says: 5xx means disallow everything (recorded on the
source as not crawled), 4xx means no rules at all, whatever the error page says; and as
§2.4 allows, an answer is reused by later crawls for `[crawl] robots_cache_hours` (a 5xx
answer never is)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import RobotsTxt
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
    assert _kept(crawl_engine) == {}  # a 5xx answer is not kept, as allow or otherwise
    asked = len(http_server.requests_to("/robots.txt"))  # a 503 is retried once

    # a 404 whose error page happens to read like rules is still "no robots.txt": allowed
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain", status=404)
    result = cli("crawl")
    assert len(http_server.requests_to("/robots.txt")) == asked + 1  # asked again
    assert "1 sources, 1 new items; none failed" in result.output
    assert len(http_server.requests_to("/news.rss")) == 1
    assert {s for s, _ in _kept(crawl_engine).values()} == {404}

    # a real robots.txt that disallows is obeyed as before, once the kept 404 has expired
    _age_kept(crawl_engine, timedelta(hours=25))
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /\n", "text/plain")
    assert cli("crawl", ok=False).exit_code == 6
    assert len(http_server.requests_to("/robots.txt")) == asked + 2
    assert _last_error(crawl_engine) == "Forbidden by robots.txt"


def test_a_5xx_after_a_kept_answer_expired_disallows_again(
    cli: Any, http_server: Any, crawl_settings: Any, crawl_engine: Any
) -> None:
    feed = http_server.add("/news.rss", FEED, "application/rss+xml")
    cli("sources", "add", "council", feed)
    http_server.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    cli("crawl")
    _age_kept(crawl_engine, timedelta(hours=25))
    http_server.add("/robots.txt", "Service Unavailable", "text/plain", status=503)

    assert cli("crawl", ok=False).exit_code == 6  # the expired allow is not used
    assert _last_error(crawl_engine) == "robots.txt unavailable (503): not crawled"
    asked = len(http_server.requests_to("/robots.txt"))
    assert cli("crawl", ok=False).exit_code == 6  # nor is the 503 kept as anything
    assert len(http_server.requests_to("/robots.txt")) > asked
    assert len(http_server.requests_to("/news.rss")) == 1


def test_robots_txt_is_reused_within_its_lifetime(
    cli: Any, http_server: Any, crawl_settings: Any, crawl_engine: Any
) -> None:
    """A kept robots.txt is obeyed as fetched (its Disallow too) without asking again; once
    it is older than the lifetime it is fetched again."""
    http_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    cli("sources", "add", "council", http_server.add("/news.rss", FEED, "application/rss+xml"))
    cli("sources", "add", "hidden", http_server.add("/private/news.rss", FEED, "text/xml"))

    for crawl in (1, 2, 3):
        assert cli("crawl", ok=False).exit_code == 6  # "hidden" is disallowed every time
        assert len(http_server.requests_to("/robots.txt")) == 1, crawl
        assert len(http_server.requests_to("/news.rss")) == crawl
        assert http_server.requests_to("/private/news.rss") == []
        assert _last_error(crawl_engine, "hidden") == "Forbidden by robots.txt"
        assert _last_error(crawl_engine, "council") is None

    _age_kept(crawl_engine, timedelta(hours=23))  # still within the 24 hours
    cli("crawl", ok=False)
    assert len(http_server.requests_to("/robots.txt")) == 1

    _age_kept(crawl_engine, timedelta(hours=2))  # now 25 hours old
    http_server.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    cli("crawl")
    assert len(http_server.requests_to("/robots.txt")) == 2
    assert len(http_server.requests_to("/private/news.rss")) == 1
    assert {s for s, _ in _kept(crawl_engine).values()} == {200}


@pytest.mark.parametrize("hours", ["0", "0.5"])
def test_robots_cache_lifetime_setting(
    hours: str, cli: Any, http_server: Any, crawl_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`robots_cache_hours = 0` fetches robots.txt at every crawl and keeps nothing; a
    shorter lifetime than 24 hours expires sooner."""
    monkeypatch.setenv("KIL_CRAWL__ROBOTS_CACHE_HOURS", hours)
    http_server.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    cli("sources", "add", "council", http_server.add("/news.rss", FEED, "application/rss+xml"))
    cli("crawl")
    cli("crawl")
    if hours == "0":
        assert len(http_server.requests_to("/robots.txt")) == 2
        assert _kept(crawl_engine) == {}
        return
    assert len(http_server.requests_to("/robots.txt")) == 1
    _age_kept(crawl_engine, timedelta(minutes=31))
    cli("crawl")
    assert len(http_server.requests_to("/robots.txt")) == 2


def _last_error(engine: Any, name: str = "council") -> str | None:
    with read_session(engine) as session:
        return get_source(name, session=session).last_error


def _kept(engine: Any) -> dict[str, tuple[int, str]]:
    with read_session(engine) as session:
        return {r.origin: (r.status, r.body) for r in session.exec(select(RobotsTxt))}


def _age_kept(engine: Any, by: timedelta) -> None:
    """Make every kept robots.txt older by `by`, as if it had been fetched that long ago."""
    with write_session(engine) as session:
        for row in session.exec(select(RobotsTxt)):
            row.fetched_at = row.fetched_at - by
            session.add(row)
