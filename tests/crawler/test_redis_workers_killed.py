"""Three crawl workers share one Redis queue; one is `kill -9`ed half-way.

200 feeds on ten loopback hosts (127.0.0.2-11), PostgreSQL, real Redis under a key prefix
of this test. The dead worker's taken sources go back on the queue when its heartbeat
expires and the live workers finish them: every item is stored once, every source's run is
closed with its answer, and the story every feed carries is one cluster.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func
from sqlmodel import select

from kil_feed.config import load_settings
from kil_feed.db import make_engine, read_session
from kil_feed.ingest.queue import connect, enqueue_crawl, leased, workers_key
from kil_feed.models import CrawlRun, Item
from tests.support.crawl import FAST_CRAWL_ENV, add_source
from tests.support.httpserver import MockServer
from tests.support.waiting import wait_until

HOSTS, PER_HOST, ENTRIES = 10, 20, 4
SHARED = "Council brings its waste collection back in house"
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}
</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def servers():  # type: ignore[no-untyped-def]
    started = [MockServer(host=f"127.0.0.{2 + n}").start() for n in range(HOSTS)]
    yield started
    for server in started:
        server.stop()


def _feed(server: MockServer, number: int) -> str:
    entries = [
        ITEM.format(title=f"Commissioning story {number} part {n} of the series",
                    link=f"{server.base_url}/s{number}/{n}",
                    text=f"Procurement at council {number}, part {n}.")
        for n in range(ENTRIES)
    ]  # fmt: skip
    entries.append(
        ITEM.format(title=SHARED, link=f"{server.base_url}/shared/{number}",
                    text="The same insourcing story, syndicated to every feed.")
    )  # fmt: skip
    path = server.add(f"/f{number}.xml", FEED.format(items="".join(entries)), "application/rss+xml")
    return f"{path}?delay=0.3"  # slow enough that a worker always has some in flight


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_kill_9_of_one_of_three_crawl_workers(database_url, servers, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    prefix = f"kiltest:{secrets.token_hex(4)}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    env.update(FAST_CRAWL_ENV)
    env.update(
        KIL_DATABASE_URL=database_url, KIL_ALLOW_PRIVATE_NETWORKS="true",
        KIL_OUTBOX_DIR=str(tmp_path / "outbox"), KIL_SECRET_KEY="x" * 32,
        KIL_CRAWL__BACKEND="redis", KIL_CRAWL__REDIS_PREFIX=prefix,
        KIL_CRAWL__CONCURRENT_REQUESTS="4", KIL_CRAWL__CONCURRENT_PER_DOMAIN="4",
        KIL_CRAWL__LOG_DIR=str(tmp_path / "logs"),
    )  # fmt: skip
    for key, value in env.items():
        if key.startswith("KIL_"):
            monkeypatch.setenv(key, value)
    settings = load_settings()
    try:
        client = connect(settings)
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    engine = make_engine(settings)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for s in range(HOSTS * PER_HOST):
            add_source(engine, f"feed-{s:03d}", _feed(servers[s % HOSTS], s))
        queued = enqueue_crawl(settings, engine)
        assert len(queued.run_ids) == HOSTS * PER_HOST
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "kil_feed", "worker", "crawl", "--kind", "feed"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )  # fmt: skip
            for _ in range(3)
        ]
        victim = workers[0]

        def finished() -> int:
            with read_session(engine) as session:
                query = select(func.count()).where(CrawlRun.finished_at.is_not(None))  # type: ignore[union-attr]
                return int(session.exec(query).one())

        def victim_leases() -> int:
            ids = [w.decode() for w in client.smembers(workers_key(prefix))]
            mine = [w for w in ids if f"-{victim.pid}-" in w]
            return sum(client.hlen(f"{prefix}lease:{w}") for w in mine)

        wait_until(lambda: finished() >= 40 and victim_leases() >= 2,
                   "40 sources answered while the first worker held requests",
                   timeout=180, interval=0.02)  # fmt: skip
        held = victim_leases()
        crawlers = psutil.Process(victim.pid).children(recursive=True)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)  # its pipes closed too
        assert finished() < HOSTS * PER_HOST, "the crawl ended before the kill"
        _, alive = psutil.wait_procs(crawlers, timeout=60)  # they notice the closed pipe
        assert not alive, [p.pid for p in alive]

        wait_until(lambda: finished() == HOSTS * PER_HOST, "every source answered", timeout=300,
                   detail=lambda: f"{finished()} answered, {held} held by the victim")  # fmt: skip
        for worker in workers[1:]:
            worker.send_signal(signal.SIGTERM)
        for worker in workers[1:]:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err.decode()

        with read_session(engine) as session:
            items = session.exec(select(Item)).all()
            runs = session.exec(select(CrawlRun)).all()
        assert len(items) == HOSTS * PER_HOST * (ENTRIES + 1)  # each stored once
        assert len({(i.source_id, i.url) for i in items}) == len(items)
        assert len(runs) == HOSTS * PER_HOST
        assert all(r.http_status == 200 and r.error is None for r in runs)
        assert sum(r.items_new for r in runs) == len(items)
        shared = [i for i in items if i.title == SHARED]
        assert len(shared) == HOSTS * PER_HOST
        assert {i.cluster_id for i in shared} == {min(i.id for i in shared)}
        assert all(i.cluster_id is None for i in items if i.title != SHARED)
        assert not leased(client, prefix)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()
        engine.dispose()
