"""Hostile and broken sources in one real crawl: each failure is recorded on its source,
nothing hostile is stored, and the good source next to them is crawled as usual. The crawl
runs once for the module; each test checks one thing and can fail alone."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine, read_session
from kil_feed.ingest.summary import SourceSummary
from kil_feed.loopback import MockServer
from kil_feed.storage.sources import get_source
from tests.conftest import kil_environment, sqlite_copy
from tests.support.crawl import FAST_CRAWL_ENV, add_source, crawl, items_of

GOOD_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title>
<link>http://example.org/</link><description>d</description>
<item><title>Outsourcing contract returns in-house in Leeds</title>
<link>http://example.org/good/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Leeds City Council procurement news.</description></item></channel></rss>"""


@dataclass
class BadCrawl:
    summaries: dict[str, SourceSummary]
    engine: Engine
    settings: Settings


def _add_bad_sources(server: MockServer, engine: Engine, data_dir: Path, folder: Path) -> None:
    secret = folder / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE-42")
    xxe = (data_dir / "xxe_template.xml").read_text().replace("SECRET_PATH", str(secret))
    bomb = gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024) + b"</rss>", compresslevel=9)
    routes = {
        "good": server.add("/good.rss", GOOD_FEED, "application/rss+xml"),
        "laughs": server.add_file("/laughs.xml", data_dir / "billion_laughs.xml"),
        "xxe": server.add("/xxe.xml", xxe, "application/xml"),
        "gzip-bomb": server.add(
            "/bomb.xml", bomb, "application/xml", headers={"Content-Encoding": "gzip"}
        ),
        # the same bomb as a .gz file: gunzipped by the crawler itself, under the same cap
        "gzip-file-bomb": server.add("/bomb.xml.gz", bomb, "application/gzip"),
        "redirect-loop": server.url("/redirect-loop"),
        "html-not-feed": server.add("/page.html", "<html><body><p>Hello</p></body></html>"),
        "server-error": server.url("/status/500"),
        "never-answers": server.url("/hang"),
        "hostile": server.add_file("/hostile.rss", data_dir / "hostile.rss"),
        "wrong-encoding": server.add_file("/latin.rss", data_dir / "wrong_encoding.rss"),
    }
    for name, url in routes.items():
        add_source(engine, name, url)
    article = server.add_file("/news/2026/hostile-article.html", data_dir / "hostile_article.html")
    listing = server.add("/news/", f'<a class="s" href="{article}">story</a>')
    add_source(engine, "hostile-page", listing, kind="page", options={"link_selector": "a.s"})


@pytest.fixture(scope="module")
def bad_crawl(  # type: ignore[no-untyped-def]
    tmp_path_factory, sqlite_template: Path, module_http_server: MockServer, data_dir: Path
) -> Iterator[BadCrawl]:
    """One crawl (one subprocess) of every bad source, shared by the tests below."""
    folder = tmp_path_factory.mktemp("bad-input")
    # `never-answers` times out; every other answer comes well within it, even at a load
    # average of 22 on 2 cores (2 s was not enough there: '/status/500' timed out)
    env = {**FAST_CRAWL_ENV, "KIL_CRAWL__DOWNLOAD_TIMEOUT": "5"}
    with kil_environment(folder, sqlite_copy(folder, sqlite_template), env):
        settings = load_settings()
        engine = make_engine(settings)
        _add_bad_sources(module_http_server, engine, data_dir, folder)
        yield BadCrawl(crawl(settings, time_limit=60), engine, settings)
        engine.dispose()


def test_every_failure_is_recorded_on_its_source(bad_crawl: BadCrawl) -> None:
    assert bad_crawl.summaries["good"].new == 1 and bad_crawl.summaries["good"].error is None
    assert "HTTP 500" in bad_crawl.summaries["server-error"].error
    assert "timed out" in bad_crawl.summaries["never-answers"].error
    assert "redirect" in bad_crawl.summaries["redirect-loop"].error.lower()
    assert "not a feed" in bad_crawl.summaries["html-not-feed"].error
    cap = bad_crawl.settings.crawl.max_response_bytes  # the default cap, hit mid-inflate
    assert f"exceeded DOWNLOAD_MAXSIZE ({cap} B) during decompression" in (
        bad_crawl.summaries["gzip-bomb"].error
    )
    assert bad_crawl.summaries["gzip-file-bomb"].error == (
        f"larger than the download limit ({cap} bytes) once gunzipped"
    )
    with read_session(bad_crawl.engine) as session:
        for name in (
            "server-error",
            "never-answers",
            "redirect-loop",
            "html-not-feed",
            "gzip-bomb",
            "gzip-file-bomb",
        ):
            source = get_source(name, session=session)
            assert source.consecutive_failures == 1 and source.last_error, name
        assert get_source("good", session=session).consecutive_failures == 0


def test_xml_bombs_do_not_expand(bad_crawl: BadCrawl) -> None:
    for name in ("laughs", "xxe"):
        for item in items_of(bad_crawl.engine, name):
            for text in (item.title, item.summary, item.body_html):
                assert "lollollol" not in text
                assert len(text) < 2000
                assert "TOP-SECRET" not in text


def test_hostile_html_does_not_survive(bad_crawl: BadCrawl) -> None:
    (item,) = items_of(bad_crawl.engine, "hostile")
    (page,) = items_of(bad_crawl.engine, "hostile-page")
    for stored in (item, page):
        html = stored.body_html.lower()
        for bad in ("<script", "onerror", "onload", "onclick", "onmouseover", "javascript:",
                    "data:text", "<iframe", "<svg", "<style"):  # fmt: skip
            assert bad not in html, (bad, html)
    assert 'href="http://127.0.0.1' in item.body_html  # relative link made absolute
    # plain-text title kept as text (escaped at render time), never parsed as markup
    assert item.title.startswith('<script>alert("title")</script>')
    # tracking parameters and fragment removed, year 3200 replaced by collection time
    assert item.url.endswith("/hostile/1?id=7")
    assert item.date_estimated and item.published_at.year < 2100
    assert page.title == "Council brings leisure back in-house"
    assert page.published_at.isoformat().startswith("2026-10-01T08:30")
    assert "http://127.0.0.1" in page.body_html and "/more.html" in page.body_html


def test_wrong_encoding_is_parsed(bad_crawl: BadCrawl) -> None:
    (item,) = items_of(bad_crawl.engine, "wrong-encoding")
    assert "Caf" in item.title
    assert bad_crawl.summaries["wrong-encoding"].new == 1
