"""A known set of procurement notices for the notice figures, every figure worked out by hand
in tests/market/test_notice_figures.py. "Today" is Wednesday 25 November 2026 (ISO week
2026-W48 from Monday 23 November, W47 from the 16th, W41 from 5 October, W37 from 7
September; quarter 2026-Q4 from 1 October, 2026-Q3 before it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Buyer, Item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source

NW = "North West"
MANCHESTER = "Manchester City Council"
CAMDEN = "London Borough of Camden"


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def _value(amount: float | None, currency: str | None = "GBP", gross: float | None = None):  # type: ignore[no-untyped-def]
    return {"amount": amount, "amountGross": gross, "currency": currency}


def seed_notices(engine: Engine) -> dict[str, int]:
    """Write the notices (and two buyers); returns their ids by a short name."""
    ids: dict[str, int] = {}
    with write_session(engine) as s:
        fts, _ = upsert_source(
            "Find a Tender", session=s, kind="notices", url="https://fts.example/"
        )
        cf, _ = upsert_source(
            "Contracts Finder", session=s, kind="notices", url="https://cf.example/"
        )
        s.add(Buyer(key="manchester city council", slug="manchester-city-council", name=MANCHESTER,
                    buyer_type="local-authority", region=NW))  # fmt: skip
        s.add(Buyer(key="london borough of camden", slug="camden", name=CAMDEN,
                    buyer_type="local-authority", region="London"))  # fmt: skip

        def notice(
            name: str,
            ocid: str,
            published: datetime,
            *,
            stage: str,
            buyer: str,
            buyer_type: str | None,
            history: list[tuple[str, str]],
            tender: dict[str, Any] | None = None,
            value: dict[str, Any] | None = None,
            award_date: str | None = None,
            regions: list[str] | None = None,
            **fields: Any,
        ) -> None:
            fields.setdefault("status", "approved")
            fields.setdefault("source_id", fts.id)
            value = value or {}
            item = Item(
                kind="notice",
                url=f"https://fts.example/{name}",
                guid=ocid,
                title=f"Notice {name}",
                published_at=published,
                employer=buyer,
                buyer_key=buyer.lower(),
                regions=[NW] if regions is None else regions,
                extra={
                    "notice": {
                        "ocid": ocid,
                        "stage": stage,
                        "buyer_type": buyer_type,
                        "value_amount": value.get("amount"),
                        "value_gross": value.get("amountGross"),
                        "currency": value.get("currency"),
                        "award_date": award_date,
                    },
                    "compiled": {"ocid": ocid, "tender": {"value": tender} if tender else {}},
                    "history": [
                        {"id": f"{ocid}-{i}", "date": d, "tag": [t]}
                        for i, (t, d) in enumerate(history)
                    ],
                },  # fmt: skip
                **fields,
            )  # type: ignore[arg-type]
            save_item(item, session=s)
            ids[name] = item.id  # type: ignore[assignment]

        la = "local-authority"
        # A: a tender in W48, 100,000; its copy on another source is older and never read
        notice("tender", "ocds-a", _at(2026, 11, 24), stage="tender", buyer=MANCHESTER,
               buyer_type=la, history=[("tender", "2026-11-24T10:00:00Z")],
               tender=_value(100000), value=_value(100000))  # fmt: skip
        notice("tender-copy", "ocds-a", _at(2026, 11, 24, 8), stage="tender", buyer=MANCHESTER,
               buyer_type=la, history=[("tender", "2026-11-24T08:00:00Z")],
               tender=_value(999999), value=_value(999999), source_id=cf.id)  # fmt: skip
        # B: tendered in W37 (Q3) at 200,000, awarded in W47 at 180,000
        notice("award", "ocds-b", _at(2026, 11, 18), stage="award", buyer=MANCHESTER,
               buyer_type=la, history=[("tender", "2026-09-10T12:00:00+01:00"),
                                       ("award", "2026-11-18T12:00:00Z")],
               tender=_value(200000), value=_value(180000),
               award_date="2026-11-18T00:00:00Z")  # fmt: skip
        # C: a contract in W48 (from its release: no award date), only a gross value
        notice("nhs", "ocds-c", _at(2026, 11, 23), stage="contract", buyer="Salford Royal NHS "
               "Foundation Trust", buyer_type="nhs", history=[("contract", "2026-11-23T09:00Z")],
               value=_value(None, gross=60000))  # fmt: skip
        # D: a tender in W48 valued in euros: counted, not summed
        notice("euro", "ocds-d", _at(2026, 11, 25), stage="tender", buyer="University of "
               "Manchester", buyer_type="education", history=[("tender", "2026-11-25T09:00Z")],
               tender=_value(50000, "EUR"), value=_value(50000, "EUR"))  # fmt: skip
        # E: a tender without history or value, dated by the notice: W41
        notice("no-value", "ocds-e", _at(2026, 10, 5), stage="tender", buyer=MANCHESTER,
               buyer_type=la, history=[])  # fmt: skip
        # F: London, awarded in W48 at 500,000
        notice("london", "ocds-f", _at(2026, 11, 24), stage="award", buyer=CAMDEN, buyer_type=la,
               history=[("award", "2026-11-24T09:00Z")], value=_value(500000),
               award_date="2026-11-24", regions=["London"])  # fmt: skip
        # J: no region, a tender in W47 at 30,000
        notice("no-region", "ocds-j", _at(2026, 11, 20), stage="tender", buyer="Cabinet Office",
               buyer_type="central-government", history=[("tender", "2026-11-20T09:00Z")],
               tender=_value(30000), value=_value(30000), regions=[])  # fmt: skip
        # never counted: rejected, before the span, only planned
        notice("rejected", "ocds-g", _at(2026, 11, 24), stage="tender", buyer=MANCHESTER,
               buyer_type=la, history=[("tender", "2026-11-24T09:00Z")],
               tender=_value(1e6), status="rejected")  # fmt: skip
        notice("old", "ocds-h", _at(2025, 6, 1), stage="award", buyer=MANCHESTER,
               buyer_type=la, history=[("award", "2025-06-01")], value=_value(7e5),
               award_date="2025-06-01")  # fmt: skip
        notice("planning", "ocds-i", _at(2026, 11, 24), stage="planning", buyer=MANCHESTER,
               buyer_type=la, history=[("planning", "2026-11-24T09:00Z")],
               tender=_value(4e5))  # fmt: skip
    return ids
