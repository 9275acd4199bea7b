"""A JSON Feed in another encoding than UTF-8 is read as feedparser and Miniflux read a feed:
its BOM first, then the server's charset, then UTF-8; one that still does not decode is a
recorded error on its source, not a traceback or garbled titles.

RFC 8259 asks for UTF-8, but servers send what their CMS wrote (a Windows export, a UTF-16
file) and label it, or not. The feed is the real inessential.com JSON Feed of the corpus,
re-encoded here (its curly quotes are in windows-1252, not in ISO-8859-1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.jsonfeed import NOT_JSON_FEED, parse_json_feed
from tests.support.crawl import add_source, crawl, items_of

FEED = "feeds/inessential_jsonfeed.json"
QUOTED = "\u201cApp: The Human Story\u201d Screening in San Jose"


@pytest.fixture(scope="module")
def feed_text(corpus_dir: Path) -> str:
    return (corpus_dir / FEED).read_text(encoding="utf-8")


def _titles(body: bytes, content_type: str | None) -> list[str]:
    headers = {"Content-Type": content_type} if content_type else {}
    parsed = parse_json_feed(body, "https://inessential.com/feed.json", headers)
    assert parsed.is_feed, parsed
    return [e["title"] for e in parsed.entries]


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-16", "application/feed+json"),  # a BOM, no charset
        ("utf-16", "application/feed+json; charset=utf-8"),  # the BOM beats the label
        ("utf-8-sig", "application/json; charset=iso-8859-1"),  # a UTF-8 BOM, likewise
        ("cp1252", "application/feed+json; charset=windows-1252"),
        ("cp1252", "application/json; charset=ISO-8859-1"),  # read as windows-1252 (WHATWG)
        ("utf-8", "application/json; charset=iso-8859-1"),  # a server default on UTF-8
        ("utf-8", None),
    ],
)
def test_json_feed_encodings(feed_text: str, encoding: str, content_type: str | None) -> None:
    titles = _titles(feed_text.encode(encoding), content_type)
    assert len(titles) == len(json.loads(feed_text)["items"])
    assert QUOTED in titles


def test_undecodable_json_feed_is_a_problem(feed_text: str) -> None:
    """windows-1252 bytes with no charset are not UTF-8: a feed that says so, no entries."""
    parsed = parse_json_feed(
        feed_text.encode("cp1252"),
        "https://x.example/feed.json",
        {"Content-Type": "application/json"},
    )
    assert not parsed.is_feed and not parsed.entries
    assert parsed.problem is not None
    assert "not valid UTF-8" in parsed.problem and "charset" in parsed.problem, parsed.problem


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', "malformed JSON: "),
        (b"[" * 100_000, "malformed JSON: nested too deeply"),
        (b'{"rss": {"version": "2.0", "channel": {}}}', "JSON, but not a JSON Feed"),
    ],
)
def test_json_that_is_no_feed_says_so(body: bytes, problem: str) -> None:
    parsed = parse_json_feed(body, "https://x.example/feed.json", {})
    assert not parsed.is_feed and parsed.problem is not None
    assert parsed.problem.startswith(problem), parsed.problem


def test_json_feed_encodings_crawl(feed_text, http_server, crawl_settings, crawl_engine,
                                   corpus_dir):  # type: ignore[no-untyped-def]  # fmt: skip
    """Through a real crawl: both feeds stored with their quotes; the unlabelled one recorded
    as failed with the reason, and nothing of it stored. Scripting News' RSS-in-JSON is
    said to be JSON but no JSON Feed, not an XML parser's complaint."""
    rss_in_json = (corpus_dir / "feeds/scriptingnews_rss_in_json.json").read_bytes()
    served = {
        "rss-in-json": (rss_in_json, "application/json"),
        "utf16": (feed_text.encode("utf-16"), "application/feed+json"),
        "cp1252": (feed_text.encode("cp1252"), "application/feed+json; charset=windows-1252"),
        "unlabelled": (feed_text.encode("cp1252"), "application/feed+json"),
    }
    for name, (body, ctype) in served.items():
        add_source(crawl_engine, name, http_server.add(f"/{name}.json", body, ctype))

    summaries = crawl(crawl_settings, list(served))

    for name in ("utf16", "cp1252"):
        assert summaries[name].error is None, summaries[name]
        titles = {i.title for i in items_of(crawl_engine, name)}
        assert QUOTED in titles and len(titles) == 20, (name, titles)
    failed = summaries["unlabelled"]
    assert failed.error is not None and "not valid UTF-8" in failed.error, failed
    assert "Traceback" not in failed.error
    assert items_of(crawl_engine, "unlabelled") == []
    other = summaries["rss-in-json"].error
    assert other == f"not a feed (application/json): {NOT_JSON_FEED}", other
    log = Path(str(failed.log)).read_text(errors="replace")
    assert "Traceback" not in log
