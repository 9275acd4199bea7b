"""Where a crawl's items are recorded: by the launcher over a pipe, or in-process by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from sqlmodel import select

from crawler.itemstream import BATCH_RECORDS, STATUS_KEY, RecordSender
from crawler.records import ITEM_FIELDS, CrawlSource, crawled_item
from kil_feed.db import read_session
from kil_feed.ingest.deadline import SHUTDOWN, TIME_LIMIT
from kil_feed.ingest.run import run_crawl
from kil_feed.models import CrawlRun
from tests.support.crawl import add_source, count_items, crawl, items_of

ROOT = Path(__file__).resolve().parents[2]
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}
</channel></rss>"""
ITEM = "<item><title>Council procurement story {n}</title><link>{base}/story/{n}</link></item>"


def _feed(base: str, count: int) -> str:
    return FEED.format(items="".join(ITEM.format(base=base, n=n) for n in range(count)))


def test_scrapy_crawl_by_hand_writes_json_lines_and_never_opens_the_database(
    http_server, crawl_settings, crawl_engine, kil_env, tmp_path
):  # type: ignore[no-untyped-def]
    """`scrapy crawl feeds -a url=... -O items.jsonl` from the repo root: every record as it
    would cross the pipe (items with their stored fields only, a status record), nothing
    in the database, which `KIL_DATABASE_URL` points at."""
    url = http_server.add("/feed.xml", _feed(http_server.base_url, 3), "application/rss+xml")
    add_source(crawl_engine, "by-hand", url)
    out = tmp_path / "items.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_CRAWL_STREAM")}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"url={url}", "-O", str(out),
         "-s", "KIL_ALLOW_PRIVATE_NETWORKS=True", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    items = [r for r in records if not r.get(STATUS_KEY)]
    statuses = [r for r in records if r.get(STATUS_KEY)]
    assert sorted(i["title"] for i in items) == [f"Council procurement story {n}" for n in range(3)]
    assert all(set(i) <= set(ITEM_FIELDS) for i in items)  # no scratch, no extraction keys
    assert all(i["content_hash"] and i["published_at"] for i in items)
    assert [(s["http_status"], s["error"], s["fatal"]) for s in statuses] == [(200, None, True)]
    assert items_of(crawl_engine, "by-hand") == []
    with read_session(crawl_engine) as session:
        assert session.exec(select(CrawlRun)).all() == []


def test_scrapy_crawl_by_hand_reads_a_json_lines_sources_file(http_server, tmp_path):  # type: ignore[no-untyped-def]
    url = http_server.add("/feed2.xml", _feed(http_server.base_url, 2), "application/rss+xml")
    source = CrawlSource(
        id=7, name="from-file", kind="feed", url=url, options={}, topics=["procurement"],
        regions=["London"], etag=None, last_modified=None, run_id=None,
    )  # fmt: skip
    sources = tmp_path / "sources.jsonl"
    sources.write_text(json.dumps(source) + "\n")
    out = tmp_path / "items.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"sources_file={sources}",
         "-O", str(out), "-s", "KIL_ALLOW_PRIVATE_NETWORKS=True", "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    items = [r for r in map(json.loads, out.read_text().splitlines()) if not r.get(STATUS_KEY)]
    assert len(items) == 2
    assert all(i["source_id"] == 7 and "London" in i["regions"] for i in items)
    assert all("procurement" in i["topics"] for i in items)


def test_launcher_records_many_items_from_two_processes(
    http_server, crawl_settings, crawl_engine, monkeypatch
):  # type: ignore[no-untyped-def]
    """Records from two crawl processes reach one recorder: every count adds up."""
    monkeypatch.setenv("KIL_CRAWL__PROCESSES", "2")
    monkeypatch.setenv("KIL_CRAWL__STORE_BATCH_SIZE", "7")  # many small batches
    from kil_feed.config import load_settings

    for n in range(4):
        body = _feed(f"{http_server.base_url}/s{n}", 40)
        url = http_server.add(f"/s{n}.xml", body, "application/rss+xml")
        if n % 2:  # a second host name for the same server: one host stays in one process
            url = url.replace("127.0.0.1", "localhost")
        add_source(crawl_engine, f"s{n}", url)
    results = crawl(load_settings())
    assert {name: (r.new, r.error) for name, r in results.items()} == {
        f"s{n}": (40, None) for n in range(4)
    }
    assert count_items(crawl_engine) == 160
    logs = {name: r.log for name, r in results.items()}
    assert len(set(logs.values())) == 2  # two crawl processes, one per host
    assert logs["s0"] == logs["s2"] and logs["s1"] == logs["s3"]


def test_crawl_stopped_at_time_limit_keeps_what_arrived(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """A process stopped at the limit: answered sources keep their items, the rest fail."""
    url = http_server.add("/ok.xml", _feed(http_server.base_url, 2), "application/rss+xml")
    add_source(crawl_engine, "quick", url)
    add_source(crawl_engine, "stuck", http_server.url("/hang"))
    # a limit long enough for a Scrapy process to start and fetch a feed on a busy machine
    # (4 s was not under two CPU hogs, nor 10 s at a load average of 20 on 2 cores),
    # "stuck" still waiting for an answer when it comes (its retry, after a 16 s timeout),
    # and that download over well within the kill margin (30 s) once asked to stop
    crawl_settings = crawl_settings.model_copy(
        update={"crawl": crawl_settings.crawl.model_copy(update={"download_timeout": 16})}
    )
    results = crawl(crawl_settings, time_limit=20)
    assert results["quick"].new == 2 and results["quick"].error is None
    assert results["stuck"].error == TIME_LIMIT and results["stuck"].new == 0
    assert results["stuck"].stopped == TIME_LIMIT
    assert len(items_of(crawl_engine, "quick")) == 2


def test_a_stop_event_ends_a_crawl_at_once_and_leaves_no_process(
    http_server, crawl_settings, crawl_engine
):  # type: ignore[no-untyped-def]
    """What a scheduler shutting down does: the crawl stops now, not at its time limit."""
    add_source(crawl_engine, "stuck", http_server.url("/hang"))
    stop = threading.Event()
    seen: list[int] = []
    # what an earlier test in this worker left is not this crawl's
    before = {p.pid for p in psutil.Process().children(recursive=True)}

    def progress(done: int, total: int) -> None:  # the processes are running: stop them
        seen.append(done)
        if len(seen) == 8:
            stop.set()

    started = time.monotonic()
    settings = crawl_settings.model_copy(
        update={"schedule": crawl_settings.schedule.model_copy(
            update={"crawl_kill_margin_seconds": 5})}
    )  # fmt: skip
    (summary,) = run_crawl(settings, time_limit=600, on_progress=progress, stop=stop)
    assert time.monotonic() - started < 60
    assert (summary.stopped, summary.error) == (SHUTDOWN, SHUTDOWN)
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert not left, left  # none running, none exited but not reaped (a zombie)


def test_record_sender_batches_and_sends_only_stored_fields() -> None:
    read_fd, write_fd = os.pipe()
    from multiprocessing.connection import Connection

    reader = Connection(read_fd, writable=False)
    sender = RecordSender(write_fd)
    item = {"source_id": 1, "title": "t", "_text": "scratch " * 1000, "published_raw": "x"}
    sender.send(("item", crawled_item(item)))
    assert not reader.poll(0)  # batched: nothing sent yet
    sender.send(("status", {"source_id": 1, "fatal": True}))
    assert not reader.poll(0)  # status records wait for the timer too
    sender.flush()
    batch = reader.recv()
    assert batch == [("item", {"source_id": 1, "title": "t"}),
                     ("status", {"source_id": 1, "fatal": True})]  # fmt: skip
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
