"""Benchmark: `GET /buyers` counting each row's news (`storage.buyers.news_of`, one query for
the page) against the query per row it replaced, on N news items (default 20,000).

Builds a SQLite file (or `--database-url`) of a few hundred buyers (250 councils of the
register and 100 other bodies, two approved notices each) and N approved stories over 180
days: a quarter naming a council, a tenth linked by their employer, a sixth naming a place
only ("Durham weather"), a seventh naming Leeds only (more candidates than one buyer reads,
so the cap of `ITEMS_SHOWN` * 20 is exercised), the rest naming nobody. Then times in the
same run, each the median of `--runs`, for pages of 20 and 100 rows:

- `GET /buyers` as it is now (`news_of`, one query for every row);
- the in-run baseline: the same page with e3789ca's query per row (`per_row_news`, kept
  only here), and as the floor the page counting no news at all;
- a buyer's page (Leeds, with more candidates than it reads, and a quiet one), which lists
  `news_of` the buyer alone, against e3789ca's query;

and checks that both ways count the same news for every row. Prints the load average too
(the machine may be shared: compare runs at a similar load).

    .venv/bin/python bench/buyers_page.py [--news 20000] [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = ["approves its budget", "awards a waste contract", "appoints an interim director",
            "consults on bus routes", "sets council tax", "signs a housing framework"]  # fmt: skip
BODIES = ["NHS Foundation Trust", "Housing Association", "Fire and Rescue Service",
          "Combined Authority", "Police", "University"]  # fmt: skip


def build(engine: sa.Engine, news: int) -> None:
    """The buyers, two notices of each, and `news` stories (see the module's docstring)."""
    from kil_feed.buyers import local_authority, name_key, register, slug_for
    from kil_feed.db import write_session
    from kil_feed.models import Buyer, Item
    from kil_feed.storage.sources import upsert_source

    rng, now = random.Random(13), datetime.now(UTC)
    current = [la for la in register() if la.current and local_authority(la.name)]
    leeds = next(la for la in current if la.name == "Leeds City Council")
    councils = [leeds, *[la for la in current if la is not leeds][:249]]
    names = [la.name for la in councils] + [f"North {i} {BODIES[i % 6]}" for i in range(100)]
    with write_session(engine) as s:
        ids = [upsert_source(name, session=s, kind=kind, url=f"https://{name}.example/")[0].id
               for name, kind in (("notices", "notices"), ("news", "feed"))]  # fmt: skip
    buyers = [
        {"key": name_key(n), "slug": slug_for(n), "name": n,
         "la_code": la.code if (la := local_authority(n)) else None}
        for n in names
    ]  # fmt: skip
    rows: list[dict[str, Any]] = []
    for i, b in enumerate(buyers):
        for n in range(2):
            at = now - timedelta(days=rng.uniform(0, 200))
            rows.append({"kind": "notice", "status": "approved", "source_id": ids[0],
                         "url": f"https://notices.example/{i}-{n}", "title": f"Notice {i}-{n}",
                         "published_at": at, "collected_at": at, "updated_at": at,
                         "summary": "", "employer": b["name"], "buyer_key": b["key"],
                         "extra": {}})  # fmt: skip
    for i in range(news):
        at = now - timedelta(days=180 * i / news)
        draw, council = rng.random(), rng.choice(councils)
        employer = key = None
        if draw < 0.25:
            title = f"{council.name} {rng.choice(SUBJECTS)}"
        elif draw < 0.35:
            linked = rng.choice(buyers)
            title, employer, key = "Interim director appointed", linked["name"], linked["key"]
        elif draw < 0.52:
            title = f"{rng.choice(council.places)} weather turns cold"
        elif draw < 0.66:
            title = f"{leeds.places[0]} United win again"
        else:
            title = f"Procurement story {i}"
        rows.append({"kind": "news", "status": "approved", "source_id": ids[1],
                     "url": f"https://news.example/{i}", "title": title,
                     "summary": "A story of the week.", "published_at": at, "collected_at": at,
                     "updated_at": at, "employer": employer, "buyer_key": key,
                     "extra": {}})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(Buyer), buyers)
        for start in range(0, len(rows), 2000):
            conn.execute(sa.insert(Item), rows[start : start + 2000])


def per_row_news(
    buyers: Sequence[Any],
    *,
    session: Any,
    public: bool = False,
    now: datetime | None = None,
    limit: int = 50,
) -> dict[str, list[int]]:
    """The baseline: e3789ca's `buyer_news`, one query per buyer of the page."""
    from sqlmodel import col, select

    from kil_feed.buyers import mentions, search_words
    from kil_feed.models import Item
    from kil_feed.storage.buyers import NEWS_DAYS

    now = now or datetime.now(UTC)
    status = col(Item.status)
    newest = sa.func.coalesce(col(Item.published_at), col(Item.collected_at)).desc()
    out = {}
    for buyer in buyers:
        words = search_words(buyer.name, buyer.la_code)
        candidates = session.exec(
            select(Item)
            .where(status == "approved" if public else status != "rejected")
            .where(
                Item.kind == "news",
                col(Item.published_at) >= now - timedelta(days=NEWS_DAYS),
                sa.or_(
                    Item.buyer_key == buyer.key,
                    *[col(Item.title).icontains(w, autoescape=True) for w in words],
                    *[col(Item.summary).icontains(w, autoescape=True) for w in words],
                ),
            )
            .order_by(newest)
            .limit(limit * 20)
        ).all()
        text = "{0.title}\n{1}".format
        found = [
            i.id
            for i in candidates
            if i.buyer_key == buyer.key
            or mentions(text(i, i.summary or ""), name=buyer.name, la_code=buyer.la_code)
        ]
        out[buyer.key] = found[:limit]
    return out


def no_news(buyers: Sequence[Any], **_: object) -> dict[str, list[int]]:
    """The floor: the listing counting no news."""
    return {b.key: [] for b in buyers}


def main() -> None:
    from bench.market_page import Timing, bench_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=int, default=20_000, help="news items")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = bench_env("buyers-page", args.database_url)

    from fastapi.testclient import TestClient

    import kil_feed.storage.buyers as store
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, read_session
    from kil_feed.migrate import upgrade
    from kil_feed.web.app import create_app

    engine = make_engine(load_settings())
    upgrade(engine)
    t = time.perf_counter()
    build(engine, args.news)
    with engine.connect() as conn:
        buyers = conn.execute(sa.text("SELECT count(*) FROM buyer")).scalar()
    print(f"built {buyers} buyers and {args.news:,} news in {time.perf_counter() - t:.1f} s, "
          f"{engine.dialect.name}")  # fmt: skip
    batched = store.news_of
    ways = {"news_of (one query)": batched, "per row (e3789ca)": per_row_news, "no news": no_news}
    with read_session(engine) as s:  # both ways count the same news for every row
        counts = {}
        for name, way in list(ways.items())[:2]:
            store.news_of = way  # type: ignore[assignment]
            page = store.buyer_listing(session=s, public=True, sort="activity", limit=350)
            counts[name] = {r.buyer.key: r.news for r in page.rows}
        store.news_of = batched
    assert counts["news_of (one query)"] == counts["per row (e3789ca)"], "the counts differ"
    print(f"both ways count the same news for all {len(page.rows)} buyers "
          f"({sum(counts['per row (e3789ca)'].values()):,} stories)")  # fmt: skip
    load_before, results = os.getloadavg(), []
    for size in (20, 100):
        os.environ["KIL_WEB__PAGE_SIZE"] = str(size)
        app = create_app(load_settings())
        with TestClient(app, base_url="http://testserver") as client:

            def view() -> None:
                response = client.get("/buyers")
                assert response.status_code == 200, response.status_code

            for name, way in ways.items():
                store.news_of = way  # type: ignore[assignment]
                view()  # warm the templates and the page's caches
                results.append((f"/buyers, {size:3} rows", name, Timing(view, args.runs)))
                if size == 20 and name != "no news":  # a buyer's page: the same news
                    for slug in ("leeds-city-council", "north-4-police"):
                        path = f"/buyers/{slug}"
                        timing = Timing(lambda p=path: client.get(p), args.runs)  # type: ignore[misc]
                        results.append((path, name, timing))
            store.news_of = batched
        app.state.engine.dispose()
    load_after = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after; median of {args.runs} runs")  # fmt: skip
    for path, name, timing in results:
        label = name if name.startswith("news_of") else f"  baseline: {name}"
        print(f"GET {path:28} {label:28} {timing}")
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
