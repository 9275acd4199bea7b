"""Crawl throughput: the Redis backend's workers (1 and 2 crawl processes) against the
local backend, on the same feeds (real corpus entries served on loopback), same run.

Each mode gets a fresh SQLite file. Local: `run_crawl` with one crawl process. Redis:
`kil crawl` queues the sources (`enqueue_crawl`), one `kil worker crawl` (`run_worker`)
with N scrapy-redis processes fetches and stores them; the clock stops when every run is
closed. Needs Redis (`[crawl] redis_url`, default 127.0.0.1:6379); keys under a prefix of
this run, deleted at the end.

    .venv/bin/python bench/crawl_workers.py [--feeds 300] [--entries 50]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.feedserver import FeedHosts  # noqa: E402
from bench.ingest import corpus_entries, make_feed  # noqa: E402


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime + time.process_time()


def _fresh(settings_env: dict[str, str], tmp: Path, name: str, urls: list[str]):  # type: ignore[no-untyped-def]
    os.environ.update(settings_env, KIL_DATABASE_URL=f"sqlite:///{tmp / name}.db")
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, write_session
    from kil_feed.migrate import upgrade
    from kil_feed.storage.sources import upsert_source

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    with write_session(engine) as session:
        for number, url in enumerate(urls):
            upsert_source(f"bench-{number:04d}", session=session, url=url, kind="feed")
    return settings, engine


def _items(engine) -> int:  # type: ignore[no-untyped-def]
    from sqlmodel import func, select

    from kil_feed.db import read_session
    from kil_feed.models import Item

    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Item)).one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(42)
    pool = corpus_entries()
    feeds = [make_feed(n, rng.sample(pool, args.entries)) for n in range(args.feeds)]
    server = FeedHosts(1)  # one loopback host, as the feeds of one busy site
    urls = [server.add(0, f"/feeds/{n}.rss", body) for n, body in enumerate(feeds)]
    server.start()
    prefix = f"kilbench:{secrets.token_hex(4)}:"
    env = dict(
        KIL_ALLOW_PRIVATE_NETWORKS="true", KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false", KIL_CRAWL__CONCURRENT_PER_DOMAIN="32",
        KIL_CRAWL__CONCURRENT_REQUESTS="32", KIL_CRAWL__PROCESSES="1",
        KIL_CRAWL__STORE_BATCH_SIZE="2000", KIL_CRAWL__LOG_LEVEL="WARNING",
        KIL_CRAWL__REDIS_PREFIX=prefix,
    )  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-workers-"))
    from kil_feed.ingest.queue import connect, enqueue_crawl
    from kil_feed.ingest.run import run_crawl
    from kil_feed.ingest.worker import run_worker
    from kil_feed.storage.crawl_runs import finished_runs

    print(f"{args.feeds} feeds x {args.entries} real corpus entries on loopback, fresh SQLite each")
    print("| mode | wall | items | items/s | CPU s | CPU s per 1,000 items |")
    print("|---|---|---|---|---|---|")
    results = {}
    for mode, processes in (("local", 1), ("redis", 1), ("redis", 2)):
        settings, engine = _fresh(env, tmp, f"{mode}-{processes}", urls)
        cpu, started = _cpu(), time.perf_counter()
        if mode == "local":
            run_crawl(settings, time_limit=1800)
            wall = time.perf_counter() - started
        else:
            queued = enqueue_crawl(settings, engine)
            stop = threading.Event()
            worker = threading.Thread(
                target=run_worker, args=(settings,),
                kwargs={"processes": processes, "kinds": ["feed"], "stop": stop},
            )  # fmt: skip
            worker.start()
            from kil_feed.db import read_session

            while True:
                with read_session(engine) as session:
                    if finished_runs(queued.run_ids, session=session) == len(queued.run_ids):
                        break
                time.sleep(0.1)
            wall = time.perf_counter() - started
            stop.set()
            worker.join()
        used = _cpu() - cpu
        items = _items(engine)
        engine.dispose()
        label = f"{mode}, {processes} crawl process{'es' if processes > 1 else ''}"
        results[label] = items / wall
        print(f"| {label} | {wall:.1f} s | {items} | {items / wall:,.0f} | {used:.2f} | "
              f"{used / items * 1000:.2f} |")  # fmt: skip
    base = results["local, 1 crawl process"]
    for label, rate in results.items():
        print(f"{label}: {rate / base:.2f}x the local backend's items/s")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores here)")
    server.stop()
    client = connect(settings)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


if __name__ == "__main__":
    main()
