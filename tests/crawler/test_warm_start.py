"""`kil crawl` starts a crawl process first thing (`kil_feed.ingest.warm`), so that its
Scrapy start-up overlaps the launcher's: the crawl runs in it, and one that is not needed
ends with the command."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import psutil
from sqlmodel import select

from crawler.records import CrawlSource
from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.ingest.run import run_crawl
from kil_feed.ingest.scrapy_settings import crawl_processes
from kil_feed.ingest.sources import crawl_source, crawl_work
from kil_feed.ingest.warm import WarmProcess
from kil_feed.models import Source
from kil_feed.timeutil import utcnow
from tests.support.crawl import add_source, crawl, items_of

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council brings housing repairs back in-house</title>
<link>http://example.org/news/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Procurement news from Leeds.</description></item></channel></rss>"""
SECOND = """<item><title>Social value in the new contracts</title>
<link>http://example.org/news/2</link><pubDate>Wed, 02 Sep 2026 08:00:00 GMT</pubDate>
<description>Procurement news from Leeds.</description></item>"""


def _warm_children() -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process(os.getpid()).children(recursive=True)
        if "crawler.warm" in " ".join(_cmdline(p))
    ]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:  # ended meanwhile
        return []


def test_the_crawl_runs_in_the_warm_process(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    add_source(crawl_engine, "council", http_server.add("/news.rss", FEED, "application/rss+xml"))
    with WarmProcess.start() as warm:
        pid = warm.process.pid  # type: ignore[union-attr]
        assert crawl(crawl_settings)["council"].new == 1  # without it: a process of its own
        assert warm.process is not None and warm.process.pid == pid  # still waiting
        # the feed changed: asked first whether it did (200), then crawled in the warm process
        http_server.add("/news.rss", FEED.replace("</channel>", SECOND + "</channel>"),
                        "application/rss+xml")  # fmt: skip
        (summary,) = run_crawl(crawl_settings, warm=warm)
        assert warm.process is None  # taken by the crawl
    assert summary.ok and (summary.http_status, summary.new) == (200, 1)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert len(items_of(crawl_engine, "council")) == 2
    assert len(http_server.requests_to("/news.rss")) == 3


def test_a_warm_process_that_died_is_replaced(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    add_source(crawl_engine, "council", http_server.add("/news.rss", FEED, "application/rss+xml"))
    with WarmProcess.start() as warm:
        warm.process.kill()  # type: ignore[union-attr]
        warm.process.wait()  # type: ignore[union-attr]
        (summary,) = run_crawl(crawl_settings, warm=warm)
    assert summary.ok and summary.new == 1


def test_an_unused_warm_process_ends_with_the_command(
    cli: Any, http_server: Any, crawl_settings: Settings
) -> None:
    result = cli("crawl")  # no sources: nothing for it to do
    assert "no sources to crawl" in result.output
    assert _warm_children() == []
    assert cli("crawl", "--source", "nowhere", ok=False).exit_code != 0  # an error before
    assert _warm_children() == []


def _source(n: int, validated: bool, recent: bool = True) -> CrawlSource:
    return CrawlSource(
        id=n, name=f"s{n}", kind="feed", url=f"http://h{n}.example/feed.xml", options={},
        topics=[], regions=[], etag='"v1"' if validated else None, last_modified=None,
        run_id=n, checkpoint=None, recently_fetched=recent,
    )  # fmt: skip


def test_sources_that_will_likely_answer_304_share_one_process() -> None:
    """A 304 costs a crawl process ~1/25 of a fresh feed (bench/ingest.py): 300 sources with
    stored validators are one process's work; 300 without are spread over the CPUs."""
    cpus = len(os.sched_getaffinity(0))
    validated = [_source(n, True) for n in range(300)]
    fresh = [_source(n, False) for n in range(300)]
    assert crawl_processes(Settings(), crawl_work(validated)) == 1
    assert crawl_processes(Settings(), crawl_work(fresh)) == min(cpus, 8)
    assert crawl_processes(Settings(), crawl_work(validated[:290] + fresh[:10])) == min(cpus, 2)
    pages = [{**s, "kind": "page"} for s in validated]  # fetched unconditionally: all work
    assert crawl_processes(Settings(), crawl_work(pages)) == min(cpus, 8)  # type: ignore[arg-type]
    # fetched days ago (a weekly crawl): its feeds have most likely changed, every CPU works
    stale = [_source(n, True, recent=False) for n in range(300)]
    assert crawl_processes(Settings(), crawl_work(stale)) == min(cpus, 8)


def test_a_source_fetched_in_the_last_hours_is_recent(engine) -> None:  # type: ignore[no-untyped-def]
    """`recently_fetched` comes from the source's last success: now yes, days ago or never no."""
    with write_session(engine) as session:
        for name, when in (
            ("now", utcnow()),
            ("days", utcnow() - timedelta(days=3)),
            ("never", None),
        ):
            session.add(Source(name=name, kind="feed", url=f"http://{name}.example/f", etag='"1"',
                               last_success_at=when))  # fmt: skip
    with write_session(engine) as session:
        recent = {s.name: crawl_source(s)["recently_fetched"] for s in session.exec(select(Source))}
    assert recent == {"now": True, "days": False, "never": False}
