"""Benchmark: the first view of `/market` (figures not yet kept by FigureCache) on N stored
job adverts, N procurement notices and N news items (default 20,000 each).

Builds a database (a SQLite file in a temporary folder, or `--database-url`) with a year
and a bit of approved jobs (12 regions, every role family, day, hourly and annual pay, a
copy of every tenth advert on a second source in its cluster), the notices of
bench/market_notices.py and news, then times in the same run, each the median of `--runs`:

- `GET /market` on an empty FigureCache (the first view of a filter), for every region
  and for one region, and the same again with the cache warm: the baseline of the
  page's own cost (stamps, template), which the first view adds counting to;
- its parts: `market_figures()`, `notice_figures()` and the charts drawn from them;
- as the floor of the job figures' SQL, the bare read of the rows they need.

Prints the load average too (the machine may be shared: compare runs at a similar load).

    .venv/bin/python bench/market_page.py [--rows 20000] [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TITLES = ["Interim Head of Procurement", "Interim Category Manager", "Contract Manager",
          "Interim Commissioning Lead", "Social Value Lead", "Senior Buyer (Contract)",
          "Interim Finance Business Partner", "Procurement Officer", "Commercial Lead"]  # fmt: skip


def build_jobs(engine: sa.Engine, count: int) -> None:
    """`count` approved jobs, their region tags, and a copy of every tenth in its cluster."""
    from kil_feed.db import write_session
    from kil_feed.models import Item, ItemTag
    from kil_feed.regions import ITL1_REGIONS
    from kil_feed.storage.sources import upsert_source

    with write_session(engine) as s:  # the board, and another source with copies
        ids = [upsert_source(name, session=s, kind="jobs", url=f"https://{name}.example/")[0].id
               for name in ("board", "other")]  # fmt: skip
    rng, now = random.Random(11), datetime.now(UTC)
    rows, tags = [], []
    with engine.connect() as conn:
        next_id = (conn.execute(sa.select(sa.func.max(Item.id))).scalar() or 0) + 1
    for i in range(count):
        opened = now - timedelta(days=rng.uniform(0, 420))
        unit = rng.choice(["day", "day", "day", "hour", "year"])
        low = {"day": 350, "hour": 40, "year": 30000}[unit] * rng.uniform(1, 1.8)
        regions = [rng.choice(ITL1_REGIONS)]
        row = {
            "id": next_id, "kind": "job", "status": "approved", "source_id": ids[0],
            "url": f"https://board.example/{i}", "title": rng.choice(TITLES),
            "published_at": opened, "collected_at": opened, "updated_at": opened,
            "regions": regions, "pay_min": round(low), "pay_max": round(low * 1.15),
            "pay_period": unit, "contract_type": "permanent" if unit == "year" else "interim",
            "ir35": rng.choice(["inside", "outside", None]),
            "closes_at": opened + timedelta(days=rng.uniform(7, 60)) if rng.random() < 0.8
            else None,
            "extra": {"hours": "7.5 hours per day"} if unit == "hour" and rng.random() < 0.7
            else {},
            "cluster_id": None,
        }  # fmt: skip
        rows.append(row)
        tags.append({"item_id": next_id, "kind": "region", "value": regions[0]})
        if i % 10 == 0:
            row["cluster_id"] = next_id
            copy = {**row, "id": next_id + 1, "source_id": ids[1],
                    "url": f"https://other.example/{i}"}  # fmt: skip
            rows.append(copy)
            tags.append({"item_id": next_id + 1, "kind": "region", "value": regions[0]})
            next_id += 1
        next_id += 1
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(sa.insert(Item), rows[start : start + 2000])
            conn.execute(sa.insert(ItemTag), tags[start : start + 2000])
        if engine.dialect.name == "postgresql":  # the ids were given: move the sequence on
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('item', 'id'), "
                                 "(SELECT max(id) FROM item))")  # fmt: skip


def build_news(engine: sa.Engine, count: int) -> None:
    from kil_feed.db import write_session
    from kil_feed.models import Item
    from kil_feed.storage.sources import upsert_source

    now = datetime.now(UTC)
    with write_session(engine) as s:
        news, _ = upsert_source("News", session=s, url="https://news.example/feed")
        source = news.id
    rows = [
        {"kind": "news", "status": "approved", "source_id": source, "title": f"Story {i}",
         "url": f"https://news.example/{i}", "published_at": now - timedelta(hours=i),
         "collected_at": now - timedelta(hours=i), "updated_at": now - timedelta(hours=i)}
        for i in range(count)
    ]  # fmt: skip
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(sa.insert(Item), rows[start : start + 2000])


def bench_env(name: str, database_url: str) -> Path:
    """A temporary folder and the KIL_* settings of a benchmark's own (none of the caller's):
    a SQLite file there unless `database_url`."""
    tmp = Path(tempfile.mkdtemp(prefix=f"kil-bench-{name}-"))
    for key in [k for k in os.environ if k.startswith("KIL_")]:
        del os.environ[key]
    url = database_url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ.update({"KIL_DATABASE_URL": url, "KIL_OUTBOX_DIR": str(tmp / "outbox"),
                       "KIL_SECRET_KEY": "x" * 40,
                       "KIL_BASE_URL": "https://kil.example"})  # fmt: skip
    return tmp


class Timing:
    """Median wall and CPU milliseconds of some runs (CPU: the steadier on a shared machine;
    it counts every thread of this process, the app's worker and SQLite's work too)."""

    def __init__(self, fn: Callable[[], object], runs: int) -> None:
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        self.wall, self.cpu = statistics.median(walls) * 1000, statistics.median(cpus) * 1000

    def __str__(self) -> str:
        return f"{self.wall:7.0f} ms wall {self.cpu:7.0f} ms CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="jobs, notices and news each")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true", help="cProfile the figures' counting")
    args = parser.parse_args()
    tmp = bench_env("market-page", args.database_url)

    from fastapi.testclient import TestClient

    from bench.market_notices import build as build_notices
    from kil_feed.charts import inline_svg, render_chart
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, read_session
    from kil_feed.migrate import upgrade
    from kil_feed.storage.market import market_figures
    from kil_feed.storage.market_notices import notice_figures
    from kil_feed.web.app import create_app
    from kil_feed.web.figurecache import FigureCache
    from kil_feed.web.routes.market_notices import notice_context

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    t = time.perf_counter()
    build_jobs(engine, args.rows)
    build_notices(engine, args.rows)
    build_news(engine, args.rows)
    print(f"built {args.rows:,} jobs, notices and news (+10 % copies) in "
          f"{time.perf_counter() - t:.1f} s, {engine.dialect.name}")  # fmt: skip
    app = create_app(settings)
    client = TestClient(app, base_url="http://testserver")

    def view(path: str, cold: bool) -> None:
        if cold:
            app.state.figures = FigureCache()
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    def jobs() -> object:
        with read_session(engine) as s:
            return market_figures(session=s)

    def notices() -> object:
        with read_session(engine) as s:
            return notice_figures(session=s)

    def bare_read() -> None:
        from kil_feed.models import Item

        with read_session(engine) as s:
            s.execute(
                sa.select(Item.id, Item.title, Item.regions, Item.published_at, Item.closes_at,
                          Item.pay_min, Item.pay_max, Item.pay_period, Item.ir35)
                .where(Item.kind == "job", Item.status == "approved",
                       Item.published_at >= datetime.now(UTC) - timedelta(days=366))
            ).all()  # fmt: skip

    view("/market", cold=True)  # warm the page cache, imports, templates, matplotlib
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: (jobs(), notices()))  # a route runs in a worker thread
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    figs, nfigs = jobs(), notices()
    runs = args.runs
    load_before = os.getloadavg()
    cold = Timing(lambda: view("/market", True), runs)
    warm = Timing(lambda: view("/market", False), runs)
    region = Timing(lambda: view("/market?region=north-west", True), runs)
    job_t, notice_t = Timing(jobs, runs), Timing(notices, runs)
    charts = Timing(
        lambda: [inline_svg(render_chart(n, figs.weeks), "") for n in ("day-rates", "roles")],  # type: ignore[attr-defined]
        runs,
    )
    notice_charts = Timing(lambda: notice_context(nfigs), runs)  # type: ignore[arg-type]
    read = Timing(bare_read, runs)
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after; median of {runs} runs")  # fmt: skip
    print(f"GET /market, first view (cold)     {cold}")
    print(f"GET /market?region=north-west cold {region}")
    print(f"  baseline: GET /market, repeat    {warm}   CPU ratio {cold.cpu / warm.cpu:.0f}x")
    print(f"market_figures() (jobs)            {job_t}")
    print(f"  baseline: bare read of job rows  {read}   CPU ratio {job_t.cpu / read.cpu:.1f}x")
    print(f"notice_figures()                   {notice_t}")
    print(f"job charts (2 SVG)                 {charts}")
    print(f"notice charts and context          {notice_charts}")
    client.close()
    app.state.engine.dispose()
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
