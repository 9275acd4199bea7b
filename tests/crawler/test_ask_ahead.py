"""`kil crawl` has its warm process ask the feeds that most likely did not change while it
imports its storage (`kil_feed.ingest.ahead`, `crawler.warm --ask`): each feed is still
asked once per crawl, an answer is taken only for the URL and validators the crawl
prepared, and a warm process that fails leaves the asking to the launcher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.ingest.ahead import ask_ahead, sqlite_path
from kil_feed.ingest.run import run_crawl
from kil_feed.ingest.warm import WarmProcess
from kil_feed.storage.sources import get_source
from tests.support.crawl import add_source, crawl, items_of

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>
<link>http://example.org/</link><description>d</description>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://example.org/news/{n}</link>
<pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate><description>Procurement news.</description>
</item>"""
RSS = "application/rss+xml"


def _feed(*titles: str) -> str:
    return FEED.format(items="".join(ITEM.format(title=t, n=n) for n, t in enumerate(titles)))


def _add_feeds(server: Any, engine: Any, *names: str) -> None:
    for name in names:
        url = server.add(f"/{name}.rss", _feed(f"{name.title()} brings repairs in-house"), RSS)
        add_source(engine, name, url)


def _kil_crawl(*args: str) -> tuple[list[dict[str, Any]], str]:
    """`kil --debug crawl --json ARGS` as a user runs it: its rows and its log."""
    done = subprocess.run(
        [sys.executable, "-m", "kil_feed", "--debug", "crawl", "--json", *args],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout), done.stderr


def _revalidated(log: str) -> str:
    return next(line for line in log.splitlines() if "revalidated sources=" in line)


def test_an_unchanged_kil_crawl_has_each_feed_asked_once_and_ahead(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feeds(http_server, crawl_engine, "leeds", "york", "hull")
    first, _ = _kil_crawl()
    assert {row["new"] for row in first} == {1}
    again, log = _kil_crawl()
    assert {(row["http"], row["new"], row["errors"]) for row in again} == {(304, 0, "")}
    assert "not_modified=3 ahead=3" in _revalidated(log)
    for name in ("leeds", "york", "hull"):
        asked = http_server.requests_to(f"/{name}.rss")
        assert len(asked) == 2  # the first crawl's fetch, then one conditional GET
        assert asked[1].headers.get("If-None-Match")

    http_server.add("/york.rss", _feed("York brings repairs in-house", "York's social value"), RSS)
    rows, log = _kil_crawl()
    by_source = {row["source"]: row for row in rows}
    assert (by_source["york"]["http"], by_source["york"]["new"]) == (200, 1)
    assert {by_source[n]["http"] for n in ("leeds", "hull")} == {304}
    assert "not_modified=2 ahead=3" in _revalidated(log)
    assert len(http_server.requests_to("/york.rss")) == 4  # asked ahead, then crawled
    assert len(http_server.requests_to("/leeds.rss")) == 3
    assert len(items_of(crawl_engine, "york")) == 2


def test_only_the_sources_the_crawl_fetches_are_asked_ahead(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feeds(http_server, crawl_engine, "leeds", "york", "hull")
    crawl(crawl_settings)
    with write_session(crawl_engine) as session:
        get_source("hull", session=session).enabled = False
    ask = ask_ahead(crawl_settings)
    assert ask is not None and sorted(s["name"] for s in ask.sources) == ["leeds", "york"]
    assert ask.crawl_follows is False  # nothing else to crawl: no Scrapy unless one changed
    named = ask_ahead(crawl_settings, ["hull"])  # named: crawled even though disabled
    assert named is not None and [s["name"] for s in named.sources] == ["hull"]
    _, log = _kil_crawl()
    assert "sources=2 not_modified=2 ahead=2" in _revalidated(log)
    assert len(http_server.requests_to("/hull.rss")) == 1


def test_an_answer_is_taken_only_for_the_validators_the_crawl_prepared(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feeds(http_server, crawl_engine, "leeds", "york")
    crawl(crawl_settings)
    ask = ask_ahead(crawl_settings)
    assert ask is not None
    # between the read ahead and the crawl, York's stored ETag changed (another crawl)
    with write_session(crawl_engine) as session:
        get_source("york", session=session).etag = '"another"'
    with WarmProcess.start(ask) as warm:
        summaries = {s.name: s for s in run_crawl(crawl_settings, time_limit=60, warm=warm)}
    assert summaries["leeds"].http_status == 304 and summaries["leeds"].log is None
    # York was asked again with the ETag the crawl holds, which the server does not know
    york = http_server.requests_to("/york.rss")
    assert [r.headers.get("If-None-Match") for r in york[1:]] == [
        york[1].headers.get("If-None-Match"),
        '"another"',
        '"another"',
    ]
    assert summaries["york"].http_status == 200 and summaries["york"].error is None


def test_a_warm_process_that_dies_leaves_the_asking_to_the_launcher(
    http_server: Any, crawl_settings: Settings, crawl_engine: Any
) -> None:
    _add_feeds(http_server, crawl_engine, "leeds", "york")
    crawl(crawl_settings)
    ask = ask_ahead(crawl_settings)
    assert ask is not None
    with WarmProcess.start(ask) as warm:
        assert warm.process is not None
        warm.process.kill()
        warm.process.wait()
        summaries = run_crawl(crawl_settings, time_limit=60, warm=warm)
    assert {(s.http_status, s.error) for s in summaries} == {(304, None)}
    assert len(http_server.requests_to("/leeds.rss")) == 2


def test_a_warm_process_gone_with_its_request_half_written_closes_quietly() -> None:
    # what the writer thread leaves when the process dies mid-request: bytes still in the
    # stdin buffer, which closing flushes into a pipe nobody reads (BrokenPipeError)
    warm = WarmProcess.start()
    assert warm.process is not None and warm.process.stdin is not None
    warm.process.kill()
    warm.process.wait()
    warm.process.stdin.write(b'{"sources": [')  # buffered, not yet written to the pipe
    warm.close()
    assert warm.process is None and warm.connection.closed


def test_no_asking_ahead_without_a_readable_sqlite_file(
    tmp_path: Path, crawl_settings: Settings
) -> None:
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("not SQLite")
    for url in (
        "postgresql://postgres@127.0.0.1:5432/kil",
        "sqlite:///:memory:",
        f"sqlite:///{tmp_path / 'missing.db'}",
        f"sqlite:///{not_a_database}",
    ):
        settings = crawl_settings.model_copy(update={"database_url": url})
        assert ask_ahead(settings) is None
    assert sqlite_path(f"sqlite:///{not_a_database}?timeout=5") == not_a_database
    off = crawl_settings.model_copy(deep=True)
    off.crawl.revalidate_first = False
    assert ask_ahead(off) is None
