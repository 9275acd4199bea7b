"""Hostile and broken sources in one real crawl: each failure is recorded on its source,
nothing hostile is stored, and the good source next to them is crawled as usual."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from kil_feed.db import read_session
from kil_feed.storage.sources import get_source
from tests.support.crawl import add_source, crawl, items_of

GOOD_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title>
<link>http://example.org/</link><description>d</description>
<item><title>Outsourcing contract returns in-house in Leeds</title>
<link>http://example.org/good/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Leeds City Council procurement news.</description></item></channel></rss>"""


@pytest.fixture
def bad_sources(http_server, crawl_engine, data_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE-42")
    xxe = (data_dir / "xxe_template.xml").read_text().replace("SECRET_PATH", str(secret))
    bomb = gzip.compress(b"<rss>" + b" " * (40 * 1024 * 1024) + b"</rss>", compresslevel=9)
    routes = {
        "good": http_server.add("/good.rss", GOOD_FEED, "application/rss+xml"),
        "laughs": http_server.add_file("/laughs.xml", data_dir / "billion_laughs.xml"),
        "xxe": http_server.add("/xxe.xml", xxe, "application/xml"),
        "gzip-bomb": http_server.add(
            "/bomb.xml", bomb, "application/xml", headers={"Content-Encoding": "gzip"}
        ),
        "redirect-loop": http_server.url("/redirect-loop"),
        "html-not-feed": http_server.add("/page.html", "<html><body><p>Hello</p></body></html>"),
        "server-error": http_server.url("/status/500"),
        "never-answers": http_server.url("/hang"),
        "hostile": http_server.add_file("/hostile.rss", data_dir / "hostile.rss"),
        "wrong-encoding": http_server.add_file("/latin.rss", data_dir / "wrong_encoding.rss"),
    }
    for name, url in routes.items():
        add_source(crawl_engine, name, url)
    article = http_server.add_file(
        "/news/2026/hostile-article.html", data_dir / "hostile_article.html"
    )
    listing = http_server.add("/news/", f'<a class="s" href="{article}">story</a>')
    add_source(crawl_engine, "hostile-page", listing, kind="page", options={"link_selector": "a.s"})
    return secret


@pytest.fixture
def bad_crawl(bad_sources, crawl_settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(crawl_settings.crawl, "download_timeout", 2)
    return crawl(crawl_settings, time_limit=60)


def check_every_failure_is_recorded_on_its_source(bad_crawl, crawl_engine):  # type: ignore[no-untyped-def]
    assert bad_crawl["good"].new == 1 and bad_crawl["good"].error is None
    assert "HTTP 500" in bad_crawl["server-error"].error
    assert "timed out" in bad_crawl["never-answers"].error
    assert "redirect" in bad_crawl["redirect-loop"].error.lower()
    assert "not a feed" in bad_crawl["html-not-feed"].error
    assert (
        "DOWNLOAD_MAXSIZE" in bad_crawl["gzip-bomb"].error or "size" in bad_crawl["gzip-bomb"].error
    )
    with read_session(crawl_engine) as session:
        for name in (
            "server-error",
            "never-answers",
            "redirect-loop",
            "html-not-feed",
            "gzip-bomb",
        ):
            source = get_source(name, session=session)
            assert source.consecutive_failures == 1 and source.last_error, name
        assert get_source("good", session=session).consecutive_failures == 0


def check_xml_bombs_do_not_expand(bad_crawl, crawl_engine):  # type: ignore[no-untyped-def]
    for name in ("laughs", "xxe"):
        for item in items_of(crawl_engine, name):
            for text in (item.title, item.summary, item.body_html):
                assert "lollollol" not in text
                assert len(text) < 2000
                assert "TOP-SECRET" not in text


def check_hostile_html_does_not_survive(bad_crawl, crawl_engine):  # type: ignore[no-untyped-def]
    (item,) = items_of(crawl_engine, "hostile")
    (page,) = items_of(crawl_engine, "hostile-page")
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


def check_wrong_encoding_is_parsed(bad_crawl, crawl_engine):  # type: ignore[no-untyped-def]
    (item,) = items_of(crawl_engine, "wrong-encoding")
    assert "Caf" in item.title
    assert bad_crawl["wrong-encoding"].new == 1


def test_bad_input_crawl(bad_crawl, crawl_engine):  # type: ignore[no-untyped-def]
    """One crawl (one subprocess) for all the bad sources; each check below can fail alone."""
    check_every_failure_is_recorded_on_its_source(bad_crawl, crawl_engine)
    check_xml_bombs_do_not_expand(bad_crawl, crawl_engine)
    check_hostile_html_does_not_survive(bad_crawl, crawl_engine)
    check_wrong_encoding_is_parsed(bad_crawl, crawl_engine)
