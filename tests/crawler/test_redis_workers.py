"""The Redis crawl backend: `kil crawl` queues, `kil worker crawl` fetches and stores.

Real Redis (127.0.0.1:6379, a key prefix per test), a real loopback HTTP server, real
SQLite. Skipped when no Redis answers.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest
from sqlmodel import select

from kil_feed.config import load_settings
from kil_feed.db import read_session
from kil_feed.ingest.queue import connect, enqueue_crawl, pending, worker_spider
from kil_feed.ingest.worker import run_worker
from kil_feed.models import CrawlRun, Item, Source
from tests.support.crawl import add_source
from tests.support.waiting import wait_until

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}
</channel></rss>"""
SHARED = "Shared council insourcing story today"
ITEM = "<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"


def _feeds(http_server, engine, count: int) -> None:  # type: ignore[no-untyped-def]
    for s in range(count):
        entries = [
            ITEM.format(title=f"Council story {s} {n}", link=f"{http_server.base_url}/s{s}/{n}",
                        text=f"Procurement and commissioning at council {s}, part {n}.")
            for n in range(3)
        ]  # fmt: skip
        # every feed also carries the same syndicated story: one cluster across sources
        shared = ITEM.format(
            title=SHARED, link=f"{http_server.base_url}/shared/{s}",
            text="The same story about insourcing, syndicated to every feed.",
        )  # fmt: skip
        entries.append(shared)
        url = http_server.add(
            f"/f{s}.xml", FEED.format(items="".join(entries)), "application/rss+xml"
        )
        add_source(engine, f"feed-{s:02d}", url)


def test_enqueue_queues_each_source_with_its_run(redis_settings, http_server, crawl_engine):  # type: ignore[no-untyped-def]
    _feeds(http_server, crawl_engine, 3)
    queued = enqueue_crawl(redis_settings, crawl_engine)
    assert queued.by_kind == {"feed": 3}
    client = connect(redis_settings)
    key = f"{redis_settings.crawl.redis_prefix}{worker_spider('feed')}:start_urls"
    entries = [json.loads(e) for e in client.lrange(key, 0, -1)]
    assert sorted(e["name"] for e in entries) == ["feed-00", "feed-01", "feed-02"]
    assert sorted(e["run_id"] for e in entries) == sorted(queued.run_ids)
    assert pending(client, redis_settings.crawl.redis_prefix) == 3
    with read_session(crawl_engine) as session:
        runs = session.exec(select(CrawlRun)).all()
    assert len(runs) == 3 and all(r.finished_at is None for r in runs)


def test_unreachable_redis_is_one_line_and_exit_9(kil_env, tmp_path):  # type: ignore[no-untyped-def]
    env = dict(kil_env, KIL_CRAWL__BACKEND="redis", KIL_CRAWL__REDIS_URL="redis://127.0.0.1:1/0")
    for command in (["crawl"], ["worker", "crawl"]):
        done = subprocess.run(
            [sys.executable, "-m", "kil_feed", *command], env={**_base_env(), **env},
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 9, (command, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and "cannot reach the crawl queue at redis://127.0.0.1:1/0" in lines[0]
        )
        assert "Traceback" not in done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}


def test_worker_fetches_the_queue_and_closes_every_run(redis_settings, http_server, crawl_engine):  # type: ignore[no-untyped-def]
    _feeds(http_server, crawl_engine, 6)
    queued = enqueue_crawl(redis_settings, crawl_engine)
    report = run_worker(redis_settings, processes=1, kinds=["feed"], idle_exit=3)
    assert report.answered == 6
    with read_session(crawl_engine) as session:
        items = session.exec(select(Item)).all()
        runs = {r.id: r for r in session.exec(select(CrawlRun)).all()}
        sources = session.exec(select(Source)).all()
    assert len(items) == 6 * 4
    assert len({(i.source_id, i.url) for i in items}) == len(items)
    shared = [i for i in items if i.title == SHARED]
    assert len(shared) == 6 and len({i.cluster_id for i in shared}) == 1
    assert shared[0].cluster_id is not None
    for run_id in queued.run_ids:
        run = runs[run_id]
        assert run.finished_at is not None and run.http_status == 200 and run.error is None
        assert run.items_new == 4
    assert all(s.last_success_at is not None and s.etag for s in sources)
    assert pending(connect(redis_settings), redis_settings.crawl.redis_prefix) == 0


def test_scheduler_crawl_with_redis_backend_queues_and_returns(
    redis_settings, http_server, crawl_engine
):  # type: ignore[no-untyped-def]
    from kil_feed.ingest.run import QUEUED, run_crawl

    _feeds(http_server, crawl_engine, 2)
    summaries = run_crawl(redis_settings, sources=["feed-01"])
    assert [(s.name, s.stopped) for s in summaries] == [("feed-01", QUEUED)]
    assert pending(connect(redis_settings), redis_settings.crawl.redis_prefix) == 1


def test_crawl_wait_follows_the_workers(redis_settings, http_server, crawl_engine, cli, tmp_path):  # type: ignore[no-untyped-def]
    _feeds(http_server, crawl_engine, 2)
    import threading

    worker = threading.Thread(
        target=run_worker, args=(redis_settings,),
        kwargs={"kinds": ["feed"], "idle_exit": 4}, daemon=True,
    )  # fmt: skip
    worker.start()
    result = cli("crawl", "--wait", "--json")
    worker.join(120)
    data = json.loads(result.stdout)
    assert data["queued"] == 2 and data["finished"] == 2 and data["by_kind"] == {"feed": 2}


@pytest.fixture
def private_redis(tmp_path):  # type: ignore[no-untyped-def]
    """A Redis of this test only (on a unix socket), so that it can be stopped."""
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("no redis-server")
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not sock.exists():
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield proc, f"unix://{sock}"
    if proc.poll() is None:
        proc.kill()
    proc.wait()


@pytest.fixture
def started():  # type: ignore[no-untyped-def]
    """Start `kil worker crawl` processes; those still running at the end are killed."""
    procs: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str], cwd: object) -> subprocess.Popen[str]:
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "kil_feed", "worker", "crawl", "--kind", "feed"],
            env={**_base_env(), **env}, cwd=cwd,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))  # fmt: skip
        return procs[-1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _stop_redis_expect_exit_9(redis_proc, worker, url: str) -> None:  # type: ignore[no-untyped-def]
    """Stop the worker's Redis: it must exit 9 with one line saying it lost the queue."""
    redis_proc.terminate()
    redis_proc.wait(30)
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 9, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"lost the crawl queue at {url}" in lines[0], err
    assert "Traceback" not in err


def test_worker_that_loses_redis_stops_and_says_why(private_redis, kil_env, tmp_path, started):  # type: ignore[no-untyped-def]
    proc, url = private_redis
    worker = started({**kil_env, "KIL_CRAWL__BACKEND": "redis", "KIL_CRAWL__REDIS_URL": url,
                      "KIL_CRAWL__LOG_DIR": str(tmp_path / "logs")}, tmp_path)  # fmt: skip
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 60
    while not list(client.scan_iter("kil:worker:*")):  # the worker's heartbeat
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker never registered"
        time.sleep(0.05)
    client.close()
    _stop_redis_expect_exit_9(proc, worker, url)


@pytest.mark.slow
def test_worker_that_loses_redis_mid_crawl_stores_what_it_fetched_and_says_why(
    private_redis, crawl_settings, crawl_engine, http_server, monkeypatch, tmp_path, started
):  # type: ignore[no-untyped-def]
    """Redis goes away while the worker has sources in flight: it stops its processes,
    keeps what they fetched, exits 9 with one line, and leaves no process behind."""
    import os

    import psutil

    proc, url = private_redis
    env = {"KIL_CRAWL__BACKEND": "redis", "KIL_CRAWL__REDIS_URL": url,
           "KIL_CRAWL__CONCURRENT_REQUESTS": "1", "KIL_CRAWL__CONCURRENT_PER_DOMAIN": "1",
           "KIL_CRAWL__LOG_DIR": str(tmp_path / "logs")}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    for s in range(30):
        entry = ITEM.format(title=f"Slow story {s}", link=f"{http_server.base_url}/slow/{s}",
                            text="A council story from a slow server.")  # fmt: skip
        path = http_server.add(f"/slow{s}.xml", FEED.format(items=entry), "application/rss+xml")
        add_source(crawl_engine, f"slow-{s:02d}", f"{path}?delay=0.4")
    queued = enqueue_crawl(settings, crawl_engine)
    worker = started({k: v for k, v in os.environ.items() if k.startswith("KIL_")}, tmp_path)

    def finished() -> list[CrawlRun]:
        with read_session(crawl_engine) as session:
            runs = session.exec(select(CrawlRun)).all()
        return [r for r in runs if r.finished_at is not None]

    wait_until(lambda: len(finished()) >= 3, "three sources answered", timeout=120)
    crawlers = psutil.Process(worker.pid).children(recursive=True)
    assert crawlers, "the worker runs no crawl process"
    _stop_redis_expect_exit_9(proc, worker, url)
    _, alive = psutil.wait_procs(crawlers, timeout=30)
    assert not alive, [p.pid for p in alive]
    done = finished()
    assert 3 <= len(done) < len(queued.run_ids), "the crawl was not cut short"
    with read_session(crawl_engine) as session:
        stored = {i.source_id for i in session.exec(select(Item)).all()}
    assert all(r.http_status == 200 and r.items_new == 1 for r in done)
    assert {r.source_id for r in done} <= stored  # what it had fetched is stored


def test_notices_sources_are_crawled_by_workers_along_their_cursor(
    redis_settings, http_server, crawl_engine, corpus_dir
):  # type: ignore[no-untyped-def]
    """A notices source (Find a Tender's cursor pagination, 3 pages) goes to the workers
    like any other: its pages are requests on the shared queue, its notices join their
    buyers, its checkpoint is stored, and the next crawl folds onto what is stored."""
    from tests.crawler.test_notices_crawl import FTS_FINAL, FTS_PAGE1, _recent, _releases
    from tests.support.crawl import items_of
    from tests.support.ocds_api import fts_api

    ocds = corpus_dir / "ocds"
    api = fts_api(http_server, _recent(_releases(ocds, FTS_PAGE1, FTS_FINAL)))
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts", "page_size": 3})
    queued = enqueue_crawl(redis_settings, crawl_engine)
    assert queued.by_kind == {"notices": 1}
    report = run_worker(redis_settings, kinds=["notices"], idle_exit=3)
    assert report.answered == 1 and report.new == 8
    assert len(api.served) == 3  # the three pages, once each
    items = items_of(crawl_engine, "fts")
    assert len(items) == 8 and {i.kind for i in items} == {"notice"}
    assert all(i.buyer_key for i in items if i.employer)
    with read_session(crawl_engine) as session:
        (run,) = session.exec(select(CrawlRun)).all()
        source = session.exec(select(Source)).one()
    assert run.finished_at is not None and run.error is None and run.items_new == 8
    assert source.checkpoint is not None and source.checkpoint["next"] is None
    assert source.checkpoint["done_until"]

    again = enqueue_crawl(redis_settings, crawl_engine)  # from the checkpoint: nothing new
    run_worker(redis_settings, kinds=["notices"], idle_exit=3)
    with read_session(crawl_engine) as session:
        second = session.get(CrawlRun, again.run_ids[0])
    assert second is not None and second.finished_at is not None
    assert (second.items_new, second.items_updated) == (0, 0)
    assert len(items_of(crawl_engine, "fts")) == 8


def test_sigterm_as_the_worker_starts_stops_it_cleanly(redis_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """A SIGTERM wherever the worker is (here: connecting, starting its processes) stops
    it as one in its loop does: status 0, its report, no crawl process left behind."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kil_feed", "worker", "crawl", "--kind", "feed"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("crawl worker:"), first
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "crawl worker done" in out
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, alive
