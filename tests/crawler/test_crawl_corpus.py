"""Every file of the shared corpus goes through a real crawl without an unhandled error."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from sqlmodel import select

from kil_feed.db import read_session
from kil_feed.models import CrawlRun
from tests.support.crawl import add_source, crawl, items_of

pytestmark = pytest.mark.slow


def _parseable(path: Path) -> bool:
    parsed = feedparser.parse(path.read_bytes())
    return any(e.get("title") and e.get("link") for e in parsed.entries)


def test_corpus_crawl(corpus_dir, http_server, crawl_settings, crawl_engine, tmp_path):  # type: ignore[no-untyped-def]
    expected_items: set[str] = set()
    names: dict[str, Path] = {}
    for folder, kind in (("feeds", "feed"), ("feeds_nasty", "feed"), ("jobs", "jobs")):
        for path in sorted((corpus_dir / folder).iterdir()):
            name = f"{folder}/{path.name}"
            url = http_server.add_file(f"/{name}", path)
            add_source(crawl_engine, name, url, kind=kind)
            names[name] = path
            if kind == "feed" and path.suffix != ".json" and _parseable(path):
                expected_items.add(name)
    # HTML articles through the pages spider, from a listing page that links to all of them
    html_files = sorted((corpus_dir / "html").iterdir())
    links = "".join(
        f'<li><a class="story" href="/html/{p.name}">{p.stem}</a></li>' for p in html_files
    )
    for path in html_files:
        http_server.add_file(f"/html/{path.name}", path)
    listing = http_server.add("/html/index.html", f"<html><body><ul>{links}</ul></body></html>")
    add_source(
        crawl_engine, "html-pages", listing, kind="page", options={"link_selector": "a.story"}
    )

    # the 730-entry feed and the big pages take seconds on a busy machine: a longer timeout
    # than the other crawl tests' 3 s, which would fail a source on load, not on its bytes
    patient = crawl_settings.crawl.model_copy(update={"download_timeout": 30})
    summaries = crawl(crawl_settings.model_copy(update={"crawl": patient}), time_limit=240)
    for s in summaries.values():
        print(
            "SUMMARY",
            s.name,
            s.http_status,
            s.new,
            s.updated,
            s.duplicate,
            s.dropped,
            (s.error or "")[:150],
        )

    assert set(summaries) == set(names) | {"html-pages"}
    with read_session(crawl_engine) as session:
        runs = list(session.exec(select(CrawlRun)).all())
    assert all(r.finished_at is not None for r in runs)
    for name in expected_items:
        assert summaries[name].new > 0, f"{name}: {summaries[name]}"
    nhs = [n for n in names if n.startswith("jobs/nhsjobs_")]
    for name in nhs:
        stored = items_of(crawl_engine, name)
        assert len(stored) == 1 and stored[0].kind == "job", name
    pages = items_of(crawl_engine, "html-pages")
    assert len(pages) >= len(html_files) - 1
    assert all(p.title and p.url.startswith(http_server.base_url) for p in pages)
    # no unhandled spider/pipeline error in the crawl logs
    logs = sorted({Path(s.log) for s in summaries.values() if s.log})
    assert logs
    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[
            text.index("Traceback") - 2000 : text.index("Traceback") + 3000
        ]
