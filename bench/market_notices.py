"""Benchmark: the procurement-notice market figures on N stored notices (default 50,000, about
a year of Find a Tender and Contracts Finder for the UK).

Builds a SQLite file of N approved notices spread over the last 400 days (tenders and
awards, 12 regions, 8 buyer types, a few in euros, a copy of every tenth one on a second
source), then times, on the same database in the same run:

- `kil market --notices --json`, the whole command as a user runs it, and `kil market
  --json` (the job figures, on no jobs: start-up and one query) as the baseline for start-up;
- `notice_figures()` in this process, and as its baseline the bare read of the columns it
  needs (the same SELECT, rows fetched, nothing counted).

    .venv/bin/python bench/market_notices.py [--notices 50000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kil_feed.db import make_engine, read_session, write_session  # noqa: E402
from kil_feed.migrate import upgrade  # noqa: E402
from kil_feed.models import Item  # noqa: E402
from kil_feed.regions import ITL1_REGIONS  # noqa: E402
from kil_feed.storage.market import period_spans  # noqa: E402
from kil_feed.storage.market_notices import notice_figures  # noqa: E402
from kil_feed.storage.sources import upsert_source  # noqa: E402

TYPES = ["local-authority", "nhs", "education", "central-government", "housing",
         "police-fire", "utility", None]  # fmt: skip


def build(engine: sa.Engine, count: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    with write_session(engine) as s:
        fts, _ = upsert_source("FTS", session=s, kind="notices", url="https://fts.example/")
        cf, _ = upsert_source("CF", session=s, kind="notices", url="https://cf.example/")
        fts_id, cf_id = fts.id, cf.id
    rows = []
    for i in range(count):
        ocid = f"ocds-bench-{i}"
        tendered = now - timedelta(days=rng.uniform(0, 400))
        awarded = tendered + timedelta(days=rng.uniform(20, 120))
        stage = "award" if awarded < now and rng.random() < 0.6 else "tender"
        currency = "EUR" if rng.random() < 0.02 else "GBP"
        value = round(rng.lognormvariate(12, 1.5), 2)
        history = [{"id": f"{ocid}-1", "date": tendered.isoformat(), "tag": ["tender"]}]
        if stage == "award":
            history.append({"id": f"{ocid}-2", "date": awarded.isoformat(), "tag": ["award"]})
        published = awarded if stage == "award" else tendered
        region = rng.choice(list(ITL1_REGIONS))
        buyer = f"Buyer {rng.randint(1, 2000)} Council"
        row = {
            "kind": "notice", "status": "approved", "source_id": fts_id, "guid": ocid,
            "url": f"https://fts.example/{ocid}", "title": f"Notice {i}",
            "published_at": published, "collected_at": published, "updated_at": published,
            "employer": buyer, "buyer_key": buyer.lower(), "regions": [region],
            "extra": {
                "notice": {"ocid": ocid, "stage": stage, "buyer_type": rng.choice(TYPES),
                           "value_amount": value, "currency": currency,
                           "award_date": awarded.isoformat() if stage == "award" else None,
                           "region": region},
                "compiled": {"ocid": ocid, "tender": {"value": {"amount": value * 1.1,
                                                                "currency": currency}}},
                "history": history,
            },
        }  # fmt: skip
        rows.append(row)
        if i % 10 == 0:
            rows.append({**row, "source_id": cf_id, "url": f"https://cf.example/{ocid}"})
    with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(sa.insert(Item), rows[start : start + 2000])


def _best(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _bare_read(engine: sa.Engine, since: date) -> None:
    """The columns notice_figures reads, fetched and dropped: the floor of the query."""
    extra = sa.column("extra", sa.JSON)
    query = sa.select(
        Item.id, Item.guid, Item.published_at, Item.regions, Item.buyer_key, Item.employer,
        sa.type_coerce(extra, sa.JSON)[("notice", "stage")].as_string(),
        sa.type_coerce(extra, sa.JSON)["history"],
    ).where(Item.kind == "notice", Item.status == "approved",
            Item.published_at >= datetime.combine(since, datetime.min.time(), UTC))  # fmt: skip
    with read_session(engine) as s:
        s.execute(query).all()


def _command(env: dict[str, str], *args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kil_feed", *args], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=50_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-market-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    t = time.perf_counter()
    build(engine, args.notices)
    print(f"built {args.notices:,} notices (+10 % copies) in {time.perf_counter() - t:.1f}s")
    env = {**os.environ, "KIL_DATABASE_URL": url, "KIL_OUTBOX_DIR": str(tmp / "outbox")}
    weeks, quarters = period_spans(datetime.now(UTC).date(), 12, 4)
    since = min(weeks[0][1], quarters[0][1])  # as notice_figures reads

    def figures() -> None:
        with read_session(engine) as s:
            notice_figures(session=s)

    figures()  # warm the page cache
    read = _best(lambda: _bare_read(engine, since))
    count = _best(figures)
    cmd = statistics.median(_command(env, "market", "--notices", "--json") for _ in range(3))
    base = statistics.median(_command(env, "market", "--json") for _ in range(3))
    load = os.getloadavg()[0]
    print(
        f"{args.notices:,} notices, {engine.dialect.name}, {os.cpu_count()} CPUs, load {load:.1f}"
    )
    print(f"notice_figures()                 {count * 1000:8.0f} ms")
    print(f"  baseline: bare read of its rows {read * 1000:8.0f} ms   ratio {count / read:.2f}x")
    print(f"kil market --notices --json      {cmd * 1000:8.0f} ms")
    print(f"  baseline: kil market --json    {base * 1000:8.0f} ms   ratio {cmd / base:.2f}x")


if __name__ == "__main__":
    main()
