"""A feed feedparser marks bozo (malformed) that still gave entries is crawled ok, with a
warning naming why; one that gave no entries failed, with the reason. One real crawl."""

from __future__ import annotations

import json

from tests.support.crawl import FAST_CRAWL_ENV, add_source, crawl, items_of

# an undefined entity ("&nbsp;" in XML): feedparser reads on (bozo) and keeps both entries
MALFORMED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Briefings</title>
<link>http://example.org/</link><description>d&nbsp;d</description>
<item><title>Council agrees new procurement strategy</title>
<link>http://example.org/b/1</link><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate>
<description>Strategy&nbsp;agreed.</description></item>
<item><title>Framework for social care placements renewed</title>
<link>http://example.org/b/2</link><pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate>
<description>Renewed.</description></item></channel></rss>"""
# cut short before its first entry: an RSS version, no entries, bozo
NO_ENTRIES = """<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title>
<link>http://example.org/</link><description>d"""


def test_bozo_feed_with_entries_is_ok_and_one_without_failed(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine
):
    add_source(crawl_engine, "bozo", http_server.add("/b.rss", MALFORMED, "application/rss+xml"))
    add_source(crawl_engine, "cut", http_server.add("/c.rss", NO_ENTRIES, "application/rss+xml"))
    summaries = crawl(crawl_settings)

    bozo = summaries["bozo"]
    assert bozo.ok and bozo.error is None and bozo.new == 2
    assert bozo.warning is not None and bozo.warning.startswith("malformed feed: ")
    assert "entity" in bozo.warning  # feedparser's reason, named
    assert len(items_of(crawl_engine, "bozo")) == 2
    cut = summaries["cut"]
    assert not cut.ok and cut.new == 0 and cut.warning is None
    assert cut.error is not None and cut.error.startswith("malformed feed with no entries: ")


def test_crawl_and_sources_list_count_a_bozo_feed_ok(cli, http_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    cli("sources", "add", "bozo", http_server.add("/b.rss", MALFORMED, "application/rss+xml"))
    crawled = cli("crawl", "--json")  # exit 0: nothing failed
    (row,) = json.loads(crawled.output)
    assert row["errors"] == "" and row["warnings"].startswith("malformed feed: ")
    (listed,) = json.loads(cli("sources", "list", "--json").output)
    assert listed["health"] == "ok" and listed["warning"].startswith("malformed feed: ")
    http_server.add(
        "/b.rss", MALFORMED.replace("Renewed.", "Renewed again."), "application/rss+xml"
    )
    shown = cli("crawl").output  # changed: read again, a warning line, and none failed
    assert "warning: bozo: malformed feed: " in shown and "none failed" in shown

    cli("sources", "add", "cut", http_server.add("/c.rss", NO_ENTRIES, "application/rss+xml"))
    failed = cli("crawl", "--source", "cut", ok=False)
    assert failed.exit_code == 6 and "1 failed" in failed.output
    health = {s["name"]: s["health"] for s in json.loads(cli("sources", "list", "--json").output)}
    assert health["cut"].startswith("error: malformed feed with no entries")
