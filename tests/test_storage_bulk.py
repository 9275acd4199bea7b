"""The lean write paths of a crawl batch, on SQLite and PostgreSQL: what they store is what
SQLAlchemy's own executemany stores, and the batch lookups find exactly the stored keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import CrawlRun, Item
from kil_feed.storage import bulk
from kil_feed.storage.items import upsert_items
from kil_feed.storage.sources import upsert_source

ITEMS: sa.Table = Item.__table__  # type: ignore[attr-defined]
PARIS = timezone(timedelta(hours=2))


def _item(source_id: int, n: int) -> dict[str, Any]:
    """A full item row, every column type and awkward values among them."""
    return {
        "source_id": source_id, "kind": "job" if n % 2 else "news",
        "url": f"https://example.org/ä/{n}?q='\"%s", "guid": None if n % 3 else f"guid-{n} 😀",
        "title": f"Title {n} — «quoted» \\ back", "summary": "", "body_html": "<p>b</p>" * n,
        "author": None, "image_url": None,
        "published_at": datetime(2026, 9, 1, 8, 30, 15, 123456, tzinfo=PARIS) + timedelta(n),
        "topics": ["procurement", "social care"][: n % 3], "regions": [] if n % 2 else ["London"],
        "employer": "Council" if n % 2 else None, "location": None, "contract_type": None,
        "pay_min": 425.5 if n % 2 else None, "pay_max": None, "pay_period": "day",
        "pay_currency": "GBP", "ir35": None,
        "closes_at": None if n % 2 else datetime(2026, 10, n + 1),
        "collected_at": datetime(2026, 9, 2, tzinfo=UTC), "updated_at": datetime.now(UTC),
        "date_estimated": bool(n % 2), "content_hash": f"h{n}", "title_key": f"title {n}",
        "fingerprint": "", "cluster_id": None, "status": "pending", "featured": False,
        "score": 0.0, "extra": {"hours": "37", "nested": {"n": n}, "none": None},
        "reject_reason": None, "rule": None, "buyer_key": None,
    }  # fmt: skip


def _stored(engine: Any) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        items = session.exec(select(Item).order_by(Item.id)).all()  # type: ignore[arg-type]
        return [i.model_dump(exclude={"id"}) for i in items]


def test_lean_insert_stores_what_sqlalchemy_stores(any_engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(any_engine) as session:
        source, _ = upsert_source("s", session=session, url="https://example.org/feed")
    rows = [_item(source.id, n) for n in range(7)]
    with write_session(any_engine) as session:
        ids = bulk.insert_with_ids(ITEMS, rows, session=session)
    lean = _stored(any_engine)
    with write_session(any_engine) as session:
        session.execute(sa.delete(Item))
        session.connection().execute(sa.insert(ITEMS), rows)  # SQLAlchemy's executemany
    core = _stored(any_engine)
    assert lean == core
    assert len(lean) == 7 and ids == sorted(ids) and len(set(ids)) == 7
    assert lean[0]["published_at"] == rows[0]["published_at"]  # aware, the same moment
    assert lean[0]["extra"] == {"hours": "37", "nested": {"n": 0}, "none": None}
    # the lean statement was the one used: these rows leave no default to fill in
    assert bulk._lean(sa.insert(ITEMS), tuple({**rows[0], "id": 0}), any_engine.dialect)


def test_insert_with_ids_falls_back_for_defaults_and_continues_ids(any_engine) -> None:  # type: ignore[no-untyped-def]
    """Rows that leave a defaulted column out go through SQLAlchemy (which fills it in);
    ids go on after those stored, on both paths."""
    table: sa.Table = CrawlRun.__table__  # type: ignore[attr-defined]
    with write_session(any_engine) as session:
        source, _ = upsert_source("s", session=session, url="https://example.org/feed")
        first = bulk.insert_with_ids(table, [{"source_id": source.id}] * 2, session=session)
        full = {"source_id": source.id, "started_at": datetime(2026, 9, 1, tzinfo=UTC),
                "items_new": 3, "items_updated": 0, "items_duplicate": 0,
                "items_dropped": 1}  # fmt: skip
        second = bulk.insert_with_ids(table, [full], session=session)
    with read_session(any_engine) as session:
        runs = {r.id: r for r in session.exec(select(CrawlRun)).all()}
    assert second[0] > max(first) and set(runs) == {*first, *second}
    assert runs[first[0]].items_new == 0 and runs[first[0]].started_at is not None
    assert runs[second[0]].items_new == 3 and runs[second[0]].items_dropped == 1


def test_batch_lookup_matches_per_source_keys_only(any_engine) -> None:  # type: ignore[no-untyped-def]
    """One lookup for a batch of many sources: a URL or GUID stored for one source never
    matches another source's row, and each stored key is found again."""
    with write_session(any_engine) as session:
        sids = [
            upsert_source(f"s{n}", session=session, url=f"https://s{n}.example/")[0].id
            for n in range(30)
        ]

    def row(sid: int, url: str, guid: str | None, digest: str) -> dict[str, Any]:
        return {"source_id": sid, "kind": "news", "url": url, "guid": guid, "title": url,
                "summary": "", "body_html": "", "topics": [], "regions": [],
                "date_estimated": False, "content_hash": digest, "title_key": "",
                "fingerprint": ""}  # fmt: skip

    stored = [row(sid, f"https://x/{n}'é", f"g{n}" if n % 2 else None, "h")
              for n, sid in enumerate(sids[:20])]  # fmt: skip
    with write_session(any_engine) as session:
        assert upsert_items(stored, session=session) == ["new"] * 20
    batch = (
        [row(sid, f"https://x/{n}'é", None, "h") for n, sid in enumerate(sids[:20])]  # same
        + [row(sids[n + 1], f"https://x/{n}'é", None, "h") for n in range(10)]  # other source
        + [row(sids[1], "https://x/moved", "g1", "h2")]  # source 1's GUID, a new URL
        + [row(sids[2], "https://x/other", "g1", "h")]  # that GUID, another source
    )
    with write_session(any_engine) as session:
        outcomes = upsert_items(batch, session=session)
    # rows 20-29 ask (source n+1, URL of source n): source n+1 has its own URL n+1 stored
    assert outcomes[:20] == ["unchanged"] * 20
    assert outcomes[20:30] == ["new"] * 10
    assert outcomes[30:] == ["updated", "new"]
    with read_session(any_engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Item)).one() == 31


def test_no_item_index_that_a_wider_one_covers(any_engine) -> None:  # type: ignore[no-untyped-def]
    """Every crawled item pays for every index of `item`: a one-column index whose column
    leads a wider index (or the unique (source_id, url)) serves nothing the wider one
    does not (migration 0014 dropped three)."""
    inspector = sa.inspect(any_engine)
    indexes = [list(i["column_names"]) for i in inspector.get_indexes("item")]
    indexes += [list(u["column_names"]) for u in inspector.get_unique_constraints("item")]
    single = {cols[0] for cols in indexes if len(cols) == 1}
    leading = {cols[0] for cols in indexes if len(cols) > 1}
    assert single & leading == set()
    assert {"source_id", "status", "kind"} <= leading  # still served by the wider indexes
