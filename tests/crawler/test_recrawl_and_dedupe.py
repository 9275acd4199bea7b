"""Re-crawls send conditional requests and write no new rows; copies across sources cluster."""

from __future__ import annotations

from kil_feed.db import read_session
from kil_feed.storage.sources import get_source
from tests.support.crawl import add_source, count_items, crawl, items_of


def _feed(items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate><description>{d}</description></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>"
    )


STORY = (
    "Manchester City Council has agreed to bring its housing repairs service back in house "
    "after the outsourced contract ended early, saving an estimated two million pounds a "
    "year and creating local jobs, the cabinet member for housing told councillors."
)


def test_recrawl_is_conditional_and_updates_in_place(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    items = [
        ("Council saves money by insourcing", "http://example.org/a", "first"),
        ("Procurement Act goes live for councils", "http://example.org/b", "second"),
    ]
    url = http_server.add("/feed.rss", _feed(items), "application/rss+xml")
    add_source(crawl_engine, "feed", url)
    first = crawl(crawl_settings)["feed"]
    assert (first.new, first.updated) == (2, 0)
    with read_session(crawl_engine) as session:
        source = get_source("feed", session=session)
        assert source.etag and source.last_modified

    second = crawl(crawl_settings)["feed"]
    assert second.http_status == 304 and (second.new, second.updated) == (0, 0)
    last = http_server.requests_to("/feed.rss")[-1]
    assert last.headers.get("If-None-Match") == source.etag
    assert last.headers.get("If-Modified-Since") == source.last_modified
    assert count_items(crawl_engine) == 2

    # the feed changes: one entry edited, one unchanged, one added (new ETag)
    items[0] = ("Council saves money by insourcing", "http://example.org/a", "edited text")
    items.append(("Social value in contracts", "http://example.org/c", "third"))
    http_server.add("/feed.rss", _feed(items), "application/rss+xml")
    third = crawl(crawl_settings)["feed"]
    assert (third.http_status, third.new, third.updated, third.duplicate) == (200, 1, 1, 1)
    assert count_items(crawl_engine) == 3
    edited = [i for i in items_of(crawl_engine, "feed") if i.url == "http://example.org/a"]
    assert edited[0].summary == "edited text"


def test_copies_from_different_sources_join_one_cluster(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    title = "Manchester brings housing repairs back in house"
    one = http_server.add(
        "/one.rss", _feed([(title, "http://one.example/story", STORY)]), "application/rss+xml"
    )
    two = http_server.add(
        "/two.rss",
        _feed(
            [
                (
                    title.upper() + "!",
                    "http://two.example/copy?utm_source=rss",
                    "Syndicated: " + STORY,
                )
            ]
        ),
        "application/rss+xml",
    )
    three = http_server.add(
        "/three.rss",
        _feed([("Councillors told of repairs saving", "http://three.example/x", STORY + " More.")]),
        "application/rss+xml",
    )
    other = http_server.add(
        "/other.rss",
        _feed([("A different story about Leeds bins", "http://four.example/y", "Bins. " * 40)]),
        "application/rss+xml",
    )
    for name, url in (("one", one), ("two", two), ("three", three), ("other", other)):
        add_source(crawl_engine, name, url)
    crawl(crawl_settings, ["one", "two"])
    crawl(crawl_settings, ["three", "other"])
    (a,), (b,), (c,), (d,) = (items_of(crawl_engine, n) for n in ("one", "two", "three", "other"))
    assert a.cluster_id is not None
    assert a.cluster_id == b.cluster_id == min(a.id, b.id)  # same normalised title
    assert c.cluster_id == a.cluster_id  # near-identical text, different title
    assert d.cluster_id is None
    assert b.url == "http://two.example/copy"
