"""Feeds that most likely did not change are asked first, without Scrapy
(`crawler.revalidate`): a 304 is recorded as the crawl would record it, every other answer
leaves the feed to the crawl, and the politeness is the crawl's."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from crawler.records import CrawlSource, RobotsAnswer
from crawler.revalidate import Politeness, revalidate
from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.ingest.scrapy_settings import politeness
from kil_feed.models import CrawlRun
from kil_feed.storage.sources import get_source
from kil_feed.timeutil import as_utc, utcnow
from tests.support.crawl import add_source, crawl, items_of

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council brings housing repairs back in-house</title>
<link>http://example.org/news/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Procurement news from Leeds.</description></item>{more}</channel></rss>"""
SECOND = """<item><title>Social value in the new contracts</title>
<link>http://example.org/news/2</link><pubDate>Wed, 02 Sep 2026 08:00:00 GMT</pubDate>
<description>Procurement news from Leeds.</description></item>"""
AGENT = "kil-feed-test/1.0 (+https://example.org/bot)"


def _polite(**changes: Any) -> Politeness:
    values: dict[str, Any] = dict(user_agent=AGENT, timeout=3.0, delay=0.0, concurrency=8,
                                  allow_private=True, obey_robots=False)  # fmt: skip
    values.update(changes)
    return Politeness(**values)


def _source(number: int, url: str, **fields: Any) -> CrawlSource:
    source = CrawlSource(
        id=number, name=f"feed-{number}", kind="feed", url=url, options={}, topics=[],
        regions=[], etag=None, last_modified=None, run_id=100 + number, checkpoint=None,
    )  # fmt: skip
    source.update(fields)  # type: ignore[typeddict-item]
    return source


def _validated(server: Any, number: int, path: str, **fields: Any) -> CrawlSource:
    """A source whose stored validators are those the server gives its route now."""
    url = server.add(path, FEED.format(more=""), "application/rss+xml")
    etag = server.routes[path].etag()
    return _source(number, url, etag=etag, last_modified=server.LAST_MODIFIED, **fields)


def _robots(server: Any, status: int, body: str) -> dict[str, RobotsAnswer]:
    origin = server.base_url
    return {origin: RobotsAnswer(origin=origin, status=status, body=body, fetched_at=time.time())}


# --- the conditional GET itself ---------------------------------------------------------


def test_a_304_is_the_crawls_status_record_and_the_request_is_the_crawls(http_server: Any) -> None:
    source = _validated(http_server, 1, "/a.rss")
    answers = revalidate([source], _polite(), {}, budget=10)
    assert answers.unchanged == [
        {"source_id": 1, "run_id": 101, "http_status": 304, "error": None, "problem": None,
         "fatal": True, "etag": None, "last_modified": None, "checkpoint": None,
         "site_title": None, "kind": "feed"}
    ]  # fmt: skip
    assert answers.ready_at == {}
    (request,) = http_server.requests_to("/a.rss")
    assert request.method == "GET"
    assert request.headers["User-Agent"] == AGENT
    assert request.headers["If-None-Match"] == source["etag"]
    assert request.headers["If-Modified-Since"] == http_server.LAST_MODIFIED
    assert "application/xml" in request.headers["Accept"]


@pytest.mark.parametrize(
    "path",
    ["/changed.rss", "/gone.rss?status=410", "/moved.rss?redirect=/a.rss", "/error.rss?status=503"],
)
def test_any_other_answer_leaves_the_feed_to_the_crawl(http_server: Any, path: str) -> None:
    http_server.add("/changed.rss", FEED.format(more=SECOND), "application/rss+xml")
    unchanged = _validated(http_server, 1, "/a.rss")
    url = http_server.url(path)
    source = _source(2, url, etag=unchanged["etag"], last_modified=http_server.LAST_MODIFIED)
    before = time.monotonic()
    answers = revalidate([source], _polite(delay=2.5), {}, budget=10)
    assert answers.unchanged == []
    assert answers.ready_at["127.0.0.1"] >= before + 2.5  # that host is asked again after the delay
    assert len(http_server.requests_to("/a.rss")) == 0  # a redirect is not followed here


def test_feeds_it_cannot_ask_as_the_crawl_would_are_not_asked(
    http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _validated(http_server, 1, "/a.rss")
    no_validators = _source(2, http_server.add("/b.rss", FEED.format(more="")))
    private = _polite(allow_private=False)  # loopback is private
    assert revalidate([plain, no_validators], private, {}, budget=10).unchanged == []
    assert revalidate([no_validators], _polite(), {}, budget=10).unchanged == []
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")  # Scrapy would use the proxy
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert revalidate([plain], _polite(), {}, budget=10).unchanged == []
    assert http_server.requests == []


def test_robots_txt_is_obeyed_from_the_kept_answers(http_server: Any) -> None:
    source = _validated(http_server, 1, "/private/a.rss")
    obey = _polite(obey_robots=True)
    disallow = "User-agent: kil-feed-test\nDisallow: /private/\n"
    assert revalidate([source], obey, {}, budget=10).unchanged == []  # none kept: the crawl

    def asked(status: int, body: str) -> int:
        return len(revalidate([source], obey, _robots(http_server, status, body), budget=10)
                   .unchanged)  # fmt: skip

    assert (asked(200, disallow), asked(503, "")) == (0, 0)
    assert http_server.requests == []
    assert asked(200, "User-agent: otherbot\nDisallow: /\n") == 1
    assert asked(404, disallow) == 1  # a 4xx robots.txt: no rules


def test_one_request_at_a_time_per_host_with_the_delay_between(http_server: Any) -> None:
    sources = [_validated(http_server, n, f"/{n}.rss") for n in range(1, 4)]
    answers = revalidate(sources, _polite(delay=0.4), {}, budget=10)
    assert sorted(answers.unchanged_ids) == [1, 2, 3]
    times = sorted(r.at for r in http_server.requests)
    assert len(times) == 3
    assert all(b - a >= 0.4 for a, b in zip(times, times[1:], strict=False))


def test_the_budget_and_stop_end_the_asking(http_server: Any) -> None:
    sources = [_validated(http_server, n, f"/{n}.rss") for n in range(1, 4)]
    assert revalidate(sources, _polite(), {}, budget=0).unchanged == []
    stop = threading.Event()
    stop.set()
    assert revalidate(sources, _polite(), {}, budget=10, stop=stop).unchanged == []
    assert http_server.requests == []
    # a delay longer than the budget: the first is asked, the others go to the crawl
    answers = revalidate(sources, _polite(delay=0.5), {}, budget=0.3)
    assert len(answers.unchanged) == 1


def test_dead_and_hanging_servers_are_left_to_the_crawl(http_server: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = _source(1, f"http://127.0.0.1:{port}/a.rss", etag='"x"')
    hanging = _source(2, http_server.url("/hang"), etag='"x"')
    started = time.monotonic()
    answers = revalidate([refused, hanging], _polite(timeout=0.5), {}, budget=10)
    assert answers.unchanged == []
    assert time.monotonic() - started < 5


# --- within a crawl -----------------------------------------------------------------------


def _add_feed(server: Any, engine: Any, name: str) -> None:
    url = server.add(f"/{name}.rss", FEED.format(more=""), "application/rss+xml")
    add_source(engine, name, url)


def test_an_unchanged_crawl_starts_no_crawl_process(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    for name in ("leeds", "york"):
        _add_feed(http_server, crawl_engine, name)
    first = crawl(crawl_settings)
    assert {s.log is not None for s in first.values()} == {True}
    with read_session(crawl_engine) as session:
        fetched = as_utc(get_source("leeds", session=session).last_success_at)
    again = crawl(crawl_settings)
    for summary in again.values():
        assert (summary.http_status, summary.new, summary.error) == (304, 0, None)
        assert summary.log is None  # no crawl process was started
    assert len(http_server.requests_to("/leeds.rss")) == 2
    with read_session(crawl_engine) as session:
        source = get_source("leeds", session=session)
        assert as_utc(source.last_success_at) > fetched
        assert source.etag  # the stored validators stay
        run = session.get(CrawlRun, again["leeds"].run_id)
        assert run is not None and run.http_status == 304 and run.finished_at is not None


def test_a_changed_feed_is_crawled_once_the_delay_has_passed(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feed(http_server, crawl_engine, "leeds")
    assert crawl(crawl_settings)["leeds"].new == 1
    http_server.add("/leeds.rss", FEED.format(more=SECOND), "application/rss+xml")
    polite = crawl_settings.model_copy(deep=True)
    polite.crawl.download_delay = 1.0
    summary = crawl(polite)["leeds"]
    assert (summary.http_status, summary.new, summary.duplicate) == (200, 1, 1)
    assert len(items_of(crawl_engine, "leeds")) == 2
    asked, fetched = http_server.requests_to("/leeds.rss")[1:]
    assert asked.headers.get("If-None-Match") and fetched.headers.get("If-None-Match")
    assert fetched.at - asked.at >= 1.0


def test_feeds_fetched_long_ago_or_with_the_setting_off_go_straight_to_the_crawl(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feed(http_server, crawl_engine, "leeds")
    crawl(crawl_settings)
    off = crawl_settings.model_copy(deep=True)
    off.crawl.revalidate_first = False
    summary = crawl(off)["leeds"]
    assert summary.http_status == 304 and summary.log is not None  # from a crawl process
    with write_session(crawl_engine) as session:
        get_source("leeds", session=session).last_success_at = utcnow() - timedelta(hours=4)
    summary = crawl(crawl_settings)["leeds"]
    assert summary.http_status == 304 and summary.log is not None
    assert len(http_server.requests_to("/leeds.rss")) == 3  # none asked twice


def test_the_politeness_is_the_crawls(crawl_settings: Settings) -> None:
    settings = crawl_settings.model_copy(deep=True)
    settings.crawl.download_delay, settings.crawl.autothrottle = 0.0, True
    settings.crawl.download_timeout, settings.crawl.obey_robots = 7, False
    polite = politeness(settings)
    assert polite.delay == 0.1  # AutoThrottle's start delay: Scrapy's first gap per host
    assert (polite.timeout, polite.obey_robots) == (7.0, False)
    assert polite.user_agent == settings.crawl.user_agent.replace(
        "{contact_url}", settings.crawl.contact_url
    )
    settings.crawl.autothrottle, settings.crawl.download_delay = False, 2.0
    assert politeness(settings).delay == 2.0
