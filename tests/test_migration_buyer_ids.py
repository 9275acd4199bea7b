"""Migration 0019: notices stored before 8da6ea7 that joined a buyer by a bare OCDS party id
("org-12") move to the buyer of their own name, as ingest joins them today; real
identifiers and the joins they made stay. Data is written at revision 0017, on SQLite and
PostgreSQL.

The rows are synthetic test data in the shape the pre-8da6ea7 notice reader stored (the
buyer names and party ids of the Public Contracts Scotland and Sell2Wales releases in
tests/crawler/test_notices_crawl.py), not real documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.migrate import upgrade
from kil_feed.timeutil import UTCDateTime

BEFORE = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
_TIME = UTCDateTime(timezone=True)
_SOURCE = sa.table(
    "source",
    *(sa.column(c, sa.String) for c in ("name", "kind", "url")),
    *(sa.column(c, sa.JSON) for c in ("topics", "regions", "options")),
    sa.column("enabled", sa.Boolean),
    sa.column("consecutive_failures", sa.Integer),
    sa.column("created_at", _TIME),
    sa.column("updated_at", _TIME),
)
_BUYER = sa.table(
    "buyer",
    *(sa.column(c, sa.String) for c in ("key", "slug", "name", "scheme", "identifier")),
    *(sa.column(c, sa.String) for c in ("buyer_type", "region", "la_code")),
    sa.column("created_at", _TIME),
    sa.column("updated_at", _TIME),
)
_ITEM = sa.table(
    "item",
    sa.column("id", sa.Integer),
    sa.column("source_id", sa.Integer),
    *(sa.column(c, sa.String) for c in ("kind", "url", "title", "summary", "body_html")),
    *(sa.column(c, sa.String) for c in ("content_hash", "title_key", "fingerprint", "status")),
    *(sa.column(c, sa.String) for c in ("employer", "buyer_key")),
    *(sa.column(c, sa.JSON) for c in ("topics", "regions", "extra")),
    *(sa.column(c, sa.Boolean) for c in ("date_estimated", "featured")),
    sa.column("score", sa.Float),
    sa.column("collected_at", _TIME),
    sa.column("updated_at", _TIME),
)

# buyer key -> (name, scheme, identifier) as stored before 8da6ea7
BUYERS = {
    "nhs lothian": ("NHS Lothian", None, "org-12"),
    "acme ltd": ("Acme Ltd", None, "GB-COH-09442333"),
    "crown commercial service": ("Crown Commercial Service", "GB-PPON", "GB-PPON-PMPB-8772-VYWM"),
    "cardiff": ("Cardiff Council", None, "org-1"),
}
# item id -> (stored buyer_key, buyer name, scheme, party id, identifier.id)
NOTICES = {
    1: ("nhs lothian", "NHS Lothian", None, "org-12", None),
    # Sell2Wales's org-12: joined NHS Lothian by the bare id
    2: ("nhs lothian", "City & County of Swansea", None, "org-12", None),
    # a party id that is an org-id itself: an identifier then and now
    3: ("acme ltd", "Acme Limited", None, "GB-COH-09442333", None),
    # another spelling, joined by a real identifier: stays
    4: ("crown commercial service", "CCS", "GB-PPON", "ocds-1", "PMPB-8772-VYWM"),
    # a bare id seen first on a buyer found by name, then joining another name in that batch
    5: ("crown commercial service", "Crown Commercial Service", None, "org-7", None),
    6: ("crown commercial service", "Cardiff County Council", None, "org-7", None),
    7: ("cardiff", "Cardiff Council", None, "org-1", None),
}


def _extra(name: str, scheme: str | None, party_id: str, local_id: str | None) -> dict[str, Any]:
    ident = {"scheme": scheme, "id": local_id} if scheme and local_id else {}
    stored = f"{scheme}-{local_id}" if scheme and local_id else party_id
    party = {"id": party_id, "name": name, "roles": ["buyer"], "identifier": ident}
    return {
        "notice": {
            "buyer": {"name": name, "scheme": scheme, "identifier": stored},
            "buyer_type": None,
            "region": "Wales" if "Swansea" in name else None,
        },
        "compiled": {"buyer": {"id": party_id, "name": name}, "parties": [party]},
    }


def _write_at_0017(engine: Engine) -> None:
    upgrade(engine, "0017_item_removal")
    stamp = {"created_at": BEFORE, "updated_at": BEFORE}
    with engine.begin() as conn:
        conn.execute(
            sa.insert(_SOURCE).values(
                name="ocds", kind="notices", url="http://127.0.0.1/ocds", topics=[],
                regions=[], options={}, enabled=True, consecutive_failures=0, **stamp,
            )
        )  # fmt: skip
        source_id = conn.scalar(sa.text("SELECT id FROM source"))
        for key, (name, scheme, ident) in BUYERS.items():
            conn.execute(
                sa.insert(_BUYER).values(
                    key=key, slug=key.replace(" ", "-"), name=name, scheme=scheme,
                    identifier=ident, **stamp,
                )
            )  # fmt: skip
        for item_id, (key, name, scheme, party_id, local_id) in NOTICES.items():
            conn.execute(
                sa.insert(_ITEM).values(
                    id=item_id, source_id=source_id, kind="notice",
                    url=f"http://127.0.0.1/notice/{item_id}", title=f"Notice {item_id}",
                    summary="", body_html="", content_hash=f"h{item_id}", title_key="",
                    fingerprint=f"f{item_id}", status="pending", employer=name,
                    buyer_key=key, topics=[], regions=[],
                    extra=_extra(name, scheme, party_id, local_id), date_estimated=False,
                    featured=False, score=0.0, collected_at=BEFORE, updated_at=BEFORE,
                )
            )  # fmt: skip


def test_notices_joined_by_a_bare_party_id_move_to_their_own_buyer(fresh_engine: Engine) -> None:
    _write_at_0017(fresh_engine)
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        items = {r.id: r for r in conn.execute(sa.select(_ITEM).order_by(_ITEM.c.id))}
        buyers = {r.key: r for r in conn.execute(sa.select(_BUYER))}
    assert {i: r.buyer_key for i, r in items.items()} == {
        1: "nhs lothian", 2: "swansea", 3: "acme ltd", 4: "crown commercial service",
        5: "crown commercial service", 6: "cardiff", 7: "cardiff",
    }  # fmt: skip
    # Swansea's buyer is made as ingest makes one: its council, its region, a free slug
    swansea = buyers["swansea"]
    assert (swansea.name, swansea.slug, swansea.identifier) == (
        "City & County of Swansea", "city-and-county-of-swansea", None,
    )  # fmt: skip
    assert (swansea.buyer_type, swansea.region, swansea.la_code) == (
        "local-authority", "Wales", "GB-SWA",
    )  # fmt: skip
    assert set(buyers) == {*BUYERS, "swansea"}  # Cardiff's notice joined its existing buyer
    # bare ids are no one's identifier any more; real ones stay
    assert {k: b.identifier for k, b in buyers.items()} == {
        "nhs lothian": None, "acme ltd": "GB-COH-09442333",
        "crown commercial service": "GB-PPON-PMPB-8772-VYWM", "cardiff": None, "swansea": None,
    }  # fmt: skip
    stored = {i: r.extra["notice"]["buyer"]["identifier"] for i, r in items.items()}
    assert stored == {
        1: None, 2: None, 3: "GB-COH-09442333", 4: "GB-PPON-PMPB-8772-VYWM", 5: None, 6: None,
        7: None,
    }  # fmt: skip
    assert items[2].extra["compiled"] == _extra(*NOTICES[2][1:])["compiled"]  # kept whole
    # moved notices changed for listings and feeds; the rest did not
    assert {i for i, r in items.items() if r.updated_at != BEFORE} == {2, 6}


def test_a_database_without_bare_ids_is_left_as_it_was(fresh_engine: Engine) -> None:
    upgrade(fresh_engine, "0017_item_removal")
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(_BUYER)) == 0
