"""Benchmark: /search and /jobs?region= over HTTP vs the same queries run directly.

Builds a database of N items (default 200,000: news and jobs over 12 regions and a realistic
procurement vocabulary), starts `kil serve` on a loopback port in a subprocess, and measures
p50/p95 latency of `/search?q=` and `/jobs?region=` with a few concurrent HTTP clients, next
to the same storage queries (`search_items`, `public_jobs`) run directly on the database in
this process, in the same run. Target: p95 < 50 ms and HTTP p95 within 2x of direct.

    .venv/bin/python bench/search.py [--items 200000] [--clients 4] [--requests 300]
                                     [--database-url postgresql+psycopg://...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kil_feed.db import make_engine, read_session, write_session  # noqa: E402
from kil_feed.migrate import upgrade  # noqa: E402
from kil_feed.models import Item, ItemTag, Source  # noqa: E402
from kil_feed.regions import ITL1_REGIONS  # noqa: E402
from kil_feed.storage.search import search_items  # noqa: E402
from kil_feed.storage.web import public_jobs  # noqa: E402

REGIONS = list(ITL1_REGIONS)
TOPICS = [
    "insourcing",
    "social value",
    "procurement reform",
    "adult social care",
    "housing",
    "waste",
    "highways",
    "digital",
    "health",
    "education",
]
ROLES = [
    "Interim Head of Procurement",
    "Category Manager",
    "Commissioning Lead",
    "Contracts Manager",
    "Procurement Business Partner",
    "Strategic Sourcing Lead",
    "Commercial Director",
    "Supplier Relationship Manager",
    "Buyer",
    "Social Value Officer",
    "Procurement Officer",
    "Contract Compliance Analyst",
]
PLACES = [
    "Manchester",
    "Leeds",
    "Camden",
    "Bristol",
    "Cardiff",
    "Glasgow",
    "Belfast",
    "Newcastle",
    "Nottingham",
    "Birmingham",
    "Norwich",
    "Brighton",
    "Kent",
    "Surrey",
    "Liverpool",
    "Sheffield",
    "Hackney",
    "Cornwall",
    "Swansea",
    "Edinburgh",
]
WORDS = [
    "council",
    "contract",
    "tender",
    "framework",
    "supplier",
    "services",
    "authority",
    "procurement",
    "commissioning",
    "insourcing",
    "outsourcing",
    "budget",
    "cabinet",
    "report",
    "social",
    "value",
    "local",
    "community",
    "housing",
    "waste",
    "highways",
    "care",
    "adult",
    "children",
    "digital",
    "transformation",
    "savings",
    "audit",
    "scrutiny",
    "policy",
    "act",
    "regulations",
    "notice",
    "award",
    "bidder",
    "lot",
    "dynamic",
    "purchasing",
    "system",
    "market",
    "engagement",
    "partnership",
    "collaboration",
    "efficiency",
]
QUERIES = [
    "procurement",
    "interim head",
    "social value",
    "waste contract",
    "Manchester",
    "commissioning lead",
    "framework supplier",
    "category manager Leeds",
    "insourc*",
    '"NEAR(" council',
    "highways notice award",
    "digital transformation",
]


def build(engine: sa.Engine, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with write_session(engine) as s:
        sources = [Source(name=f"source-{i}", url=f"https://s{i}.example/") for i in range(40)]
        s.add_all(sources)
        s.flush()
        source_ids = [src.id for src in sources]
    item_t, tag_t = Item.__table__, ItemTag.__table__
    batch, tags = [], []
    start = time.perf_counter()
    for i in range(1, n + 1):
        job = rng.random() < 0.35
        region = rng.choice(REGIONS)
        place = rng.choice(PLACES)
        topic = rng.choice(TOPICS)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(18, 40)))
        published = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        row = {
            "id": i,
            "source_id": rng.choice(source_ids),
            "kind": "job" if job else "news",
            "url": f"https://x.example/{i}",
            "title": (
                f"{rng.choice(ROLES)} - {place}"
                if job
                else f"{place} council {rng.choice(WORDS)} {rng.choice(WORDS)} {topic}"
            ),
            "summary": text,
            "body_html": "",
            "topics": [topic],
            "regions": [region],
            "status": "approved" if rng.random() < 0.9 else "pending",
            "published_at": published.replace(tzinfo=None)
            if engine.dialect.name == "sqlite"
            else published,
            "collected_at": published,
            "updated_at": published,
            "date_estimated": False,
            "content_hash": "",
            "title_key": "",
            "fingerprint": "",
            "featured": False,
            "score": 0.0,
            "extra": {},
            "employer": f"{place} City Council" if job else None,
            "contract_type": rng.choice(["interim", "contract", "permanent"]) if job else None,
            "pay_min": float(rng.randrange(350, 800, 25)) if job else None,
            "pay_period": "day" if job else None,
            "closes_at": now + timedelta(days=rng.randint(-30, 60)) if job else None,
        }
        row["pay_max"] = row["pay_min"] + 100 if job else None
        batch.append(row)
        tags += [
            {"item_id": i, "kind": "region", "value": region},
            {"item_id": i, "kind": "topic", "value": topic},
        ]
        if len(batch) == 5000 or i == n:
            with write_session(engine) as s:
                s.execute(item_t.insert(), batch)
                s.execute(tag_t.insert(), tags)
            batch, tags = [], []
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"built {n:,} items in {time.perf_counter() - start:.1f}s ({engine.dialect.name})")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def direct(
    engine: sa.Engine, requests: list[tuple[str, str]], page_size: int, clients: int = 1
) -> dict:
    """The storage queries the pages run, in this process, `clients` threads at once."""
    import threading

    out: dict[str, list[float]] = {"search": [], "jobs": []}
    sessions: dict[int, object] = {}

    def one(req: tuple[str, str]) -> tuple[str, float]:
        key = threading.get_ident()
        if key not in sessions:
            sessions[key] = read_session(engine).__enter__()
        s = sessions[key]
        kind, arg = req
        t = time.perf_counter()
        if kind == "search":
            search_items(arg, session=s, limit=page_size)
        else:
            public_jobs(session=s, region=arg, limit=page_size)
        return kind, (time.perf_counter() - t) * 1000

    with ThreadPoolExecutor(clients) as pool:
        for kind, ms in pool.map(one, requests):
            out[kind].append(ms)
    for s in sessions.values():
        s.close()
    return out


def over_http(base: str, requests: list[tuple[str, str]], clients: int) -> dict:
    out: dict[str, list[float]] = {"search": [], "jobs": []}
    local = {}

    def one(req: tuple[str, str]) -> tuple[str, float]:
        import threading

        client = local.setdefault(threading.get_ident(), httpx.Client(base_url=base, timeout=30))
        kind, arg = req
        path, params = ("/search", {"q": arg}) if kind == "search" else ("/jobs", {"region": arg})
        t = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params} -> {response.status_code}")
        return kind, elapsed

    with ThreadPoolExecutor(clients) as pool:
        for kind, ms in pool.map(one, requests):
            out[kind].append(ms)
    for client in local.values():
        client.close()
    return out


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kil_feed",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("kil serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=300, help="per endpoint")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--keep", default="", help="folder to keep (and reuse) the SQLite file")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="kil serve worker processes")
    args = parser.parse_args()

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kil-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM item")).scalar_one()
    if have < args.items:
        if have:
            raise SystemExit(f"{url} has {have} items; use an empty database")
        build(engine, args.items)

    rng = random.Random(1)
    requests = [("search", rng.choice(QUERIES)) for _ in range(args.requests)] + [
        ("jobs", rng.choice(REGIONS)) for _ in range(args.requests)
    ]
    rng.shuffle(requests)
    page_size = 20
    direct(engine, requests[:40], page_size)  # warm the caches
    base_direct = direct(engine, requests, page_size)
    base_direct_n = direct(engine, requests, page_size, args.clients)

    env = {
        "KIL_DATABASE_URL": url,
        "KIL_SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnop",
        "KIL_LOG_LEVEL": "WARNING",
        "KIL_SMTP_URL": "",
        "KIL_OUTBOX_DIR": str(tmp / "outbox"),
    }
    proc = serve(env, args.port, args.workers)
    try:
        base = f"http://127.0.0.1:{args.port}"
        over_http(base, requests[:40], args.clients)  # warm up
        http = over_http(base, requests, args.clients)
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    print(
        f"\n{args.items:,} items, {engine.dialect.name}, {args.requests} requests per endpoint, "
        f"{args.clients} concurrent clients, {args.workers} server workers, "
        f"page size {page_size}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'query':<24}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    ok = True
    for kind, label in (("search", "/search?q="), ("jobs", "/jobs?region=")):
        d, dn, h = base_direct[kind], base_direct_n[kind], http[kind]
        rows = (
            (f"direct {kind} x1", d),
            (f"direct {kind} x{args.clients}", dn),
            (f"HTTP {label}", h),
        )
        for name, values in rows:
            print(f"{name:<24}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{max(values):>9.1f}")
        ratio = pct(h, 95) / max(pct(d, 95), 0.001)
        ratio_n = pct(h, 95) / max(pct(dn, 95), 0.001)
        print(
            f"{'':<24}HTTP p95 / direct p95 = {ratio:.2f}x (x1), {ratio_n:.2f}x (x{args.clients})"
        )
        ok &= pct(h, 95) < 50 and ratio <= 2
    print("\ntarget (p95 < 50 ms, HTTP within 2x of direct):", "met" if ok else "NOT met")
    engine.dispose()
    if not args.keep and not args.database_url:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
