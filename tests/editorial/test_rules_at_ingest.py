"""Rules applied by a real crawl: block, auto-approve, then review."""

from __future__ import annotations

import json

import pytest

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council sells football ground</title><link>http://example.org/n/1</link>
<pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate><description>Sport.</description></item>
<item><title>Procurement Act guidance for councils</title><link>http://example.org/n/2</link>
<pubDate>Tue, 01 Sep 2026 09:00:00 GMT</pubDate>
<description>New public procurement rules.</description></item>
<item><title>Budget update from the treasurer</title><link>http://example.org/n/3</link>
<pubDate>Tue, 01 Sep 2026 10:00:00 GMT</pubDate><description>Numbers.</description></item>
</channel></rss>"""


@pytest.mark.slow
def test_rules_decide_new_items_at_ingest(cli, kil_env, http_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.support.crawl import FAST_CRAWL_ENV

    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(
        "KIL_RULES__BLOCK",
        json.dumps([{"name": "no-sport", "pattern": "football", "reason": "sport"}]),
    )
    monkeypatch.setenv(
        "KIL_RULES__AUTO_APPROVE",
        json.dumps([{"name": "trusted", "source": "news", "topic": "procurement"}]),
    )
    cli("sources", "add", "news", http_server.add("/feed.rss", FEED, "application/rss+xml"))
    cli("crawl")
    items = {i["title"]: i for i in json.loads(cli("items", "list", "--json").output)}
    assert items["Council sells football ground"]["status"] == "rejected"
    assert items["Procurement Act guidance for councils"]["status"] == "approved"
    assert items["Budget update from the treasurer"]["status"] == "pending"
    fired = {r["title"]: r["rule"] for r in json.loads(cli("rules", "test", "--json").output)}
    assert fired == {
        "Council sells football ground": "no-sport",
        "Procurement Act guidance for councils": "trusted",
    }
    out = cli("review", input="a\n").output
    assert "Budget update" in out and "football" not in out
    assert json.loads(cli("items", "list", "--status", "pending", "--json").output) == []
