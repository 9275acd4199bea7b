"""Where a crawl's items are recorded: by the launcher over a pipe, or in-process by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from crawler.itemstream import BATCH_RECORDS, STATUS_KEY, RecordSender, content_fields
from kil_feed.db import read_session
from kil_feed.models import CrawlRun, Source
from tests.support.crawl import add_source, count_items, crawl, items_of

ROOT = Path(__file__).resolve().parents[2]
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}
</channel></rss>"""
ITEM = "<item><title>Council procurement story {n}</title><link>{base}/story/{n}</link></item>"


def _feed(base: str, count: int) -> str:
    return FEED.format(items="".join(ITEM.format(base=base, n=n) for n in range(count)))


def test_scrapy_crawl_by_hand_records_in_process(
    http_server, crawl_settings, crawl_engine, kil_env
):  # type: ignore[no-untyped-def]
    """`scrapy crawl feeds` from the repo root crawls every enabled feed and stores it."""
    url = http_server.add("/feed.xml", _feed(http_server.base_url, 3), "application/rss+xml")
    add_source(crawl_engine, "by-hand", url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_CRAWL_STREAM")}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-s",
         "KIL_ALLOW_PRIVATE_NETWORKS=True", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(items_of(crawl_engine, "by-hand")) == 3
    with read_session(crawl_engine) as session:
        run = session.exec(select(CrawlRun)).one()
        source = session.exec(select(Source)).one()
    assert (run.items_new, run.http_status, run.error) == (3, 200, None)
    assert run.finished_at is not None and source.last_success_at is not None


def test_launcher_records_many_items_from_two_processes(
    http_server, crawl_settings, crawl_engine, monkeypatch
):  # type: ignore[no-untyped-def]
    """Records from two crawl processes reach one recorder: every count adds up."""
    monkeypatch.setenv("KIL_CRAWL__PROCESSES", "2")
    monkeypatch.setenv("KIL_CRAWL__STORE_BATCH_SIZE", "7")  # many small batches
    from kil_feed.config import load_settings

    for n in range(4):
        body = _feed(f"{http_server.base_url}/s{n}", 40)
        add_source(
            crawl_engine, f"s{n}", http_server.add(f"/s{n}.xml", body, "application/rss+xml")
        )
    results = crawl(load_settings())
    assert {name: (r.new, r.error) for name, r in results.items()} == {
        f"s{n}": (40, None) for n in range(4)
    }
    assert count_items(crawl_engine) == 160
    assert len({r.log for r in results.values()}) == 2  # two crawl processes


def test_crawl_stopped_at_time_limit_keeps_what_arrived(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """A process stopped at the limit: answered sources keep their items, the rest fail."""
    url = http_server.add("/ok.xml", _feed(http_server.base_url, 2), "application/rss+xml")
    add_source(crawl_engine, "quick", url)
    add_source(crawl_engine, "stuck", http_server.url("/hang"))
    results = crawl(crawl_settings, time_limit=4)
    assert results["quick"].new == 2 and results["quick"].error is None
    assert results["stuck"].error and results["stuck"].new == 0
    assert len(items_of(crawl_engine, "quick")) == 2


def test_record_sender_batches_and_strips_scratch_keys() -> None:
    read_fd, write_fd = os.pipe()
    from multiprocessing.connection import Connection

    reader = Connection(read_fd, writable=False)
    sender = RecordSender(write_fd)
    item = {"source_id": 1, "title": "t", "_text": "scratch " * 1000}
    sender.send(("item", content_fields(item)))
    assert not reader.poll(0)  # batched: nothing sent yet
    sender.send(("item", {STATUS_KEY: True, "source_id": 1}))
    assert not reader.poll(0)  # status records wait for the timer too
    sender.flush()
    batch = reader.recv()
    assert batch == [("item", {"source_id": 1, "title": "t"}),
                     ("item", {STATUS_KEY: True, "source_id": 1})]  # fmt: skip
    for number in range(BATCH_RECORDS):
        sender.send(("dropped", number, True))
    assert len(reader.recv()) == BATCH_RECORDS  # a full batch goes at once
    sender.send(("dropped", 1, True))
    sender.close()
    assert reader.recv() == [("dropped", 1, True)]
    try:
        reader.recv()
        raise AssertionError("expected end of file")
    except EOFError:
        pass
