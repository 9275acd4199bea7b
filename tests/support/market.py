"""A known set of job adverts for the market figures, every figure worked out by hand in
tests/market/test_figures.py. "Today" is Wednesday 25 November 2026 (ISO week 2026-W48,
Monday 23 November; W47 starts on the 16th, W45 on the 2nd; quarter 2026-Q4)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source

TODAY = date(2026, 11, 25)
NW = "North West"


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


def seed_market(engine: Engine) -> dict[str, int]:
    """Write the adverts; returns their ids by a short name."""
    ids: dict[str, int] = {}
    with write_session(engine) as s:
        board, _ = upsert_source("Interim Board", session=s, kind="jobs", url="https://ib.example/")
        other, _ = upsert_source("Council Jobs", session=s, kind="jobs", url="https://cj.example/")

        def job(name: str, title: str, opened: datetime, **fields: object) -> Item:
            fields.setdefault("status", "approved")
            fields.setdefault("regions", [NW])
            fields.setdefault("source_id", board.id)
            item = Item(
                kind="job",
                url=f"https://ib.example/{name}",
                title=title,
                published_at=opened,
                **fields,
            )  # type: ignore[arg-type]
            save_item(item, session=s)
            ids[name] = item.id  # type: ignore[assignment]
            return item

        day = {"pay_period": "day", "contract_type": "interim"}
        head = job(
            "head",
            "Interim Head of Procurement",
            _at(11, 23),
            pay_min=500,
            pay_max=600,
            ir35="outside",
            closes_at=_at(12, 10),
            **day,
        )
        job(
            "manager",
            "Interim Procurement Manager",
            _at(11, 24),
            pay_min=450,
            ir35="outside",
            closes_at=_at(12, 5),
            **day,
        )
        job(
            "buyer",
            "Senior Buyer (Contract)",
            _at(11, 24),
            pay_min=400,
            pay_max=420,
            pay_period="day",
            contract_type="contract",
            ir35="inside",
        )  # no closing date
        job(
            "category",
            "Interim Category Manager",
            _at(11, 16),
            pay_max=600,
            ir35="outside",
            closes_at=_at(11, 30),
            **day,
        )
        job(
            "commissioning",
            "Interim Commissioning Lead",
            _at(11, 2),
            pay_min=700,
            ir35="inside",
            closes_at=_at(11, 20),
            **day,
        )  # closed in W47
        job(
            "officer",
            "Procurement Officer",
            _at(11, 23),
            pay_min=35000,
            pay_max=40000,
            pay_period="year",
            contract_type="permanent",
        )
        job(
            "contracts",
            "Interim Contract Manager",
            _at(11, 25),
            pay_min=60,
            pay_period="hour",
            contract_type="interim",
            ir35="outside",
            extra={"hours": "7.5 hours per day"},
        )
        job(
            "hourly",
            "Interim Buyer",
            _at(11, 25),
            pay_min=50,
            pay_period="hour",
            contract_type="interim",
            extra={"hours": "Full time"},
        )
        copy = job(
            "head-copy",
            "Interim Head of Procurement",
            _at(11, 23),
            pay_min=900,
            pay_period="day",
            contract_type="interim",
            source_id=other.id,
        )
        head.cluster_id = copy.cluster_id = head.id
        job(
            "rejected",
            "Interim Procurement Lead",
            _at(11, 24),
            pay_min=1000,
            status="rejected",
            **day,
        )
        job(
            "london",
            "Interim Head of Commercial",
            _at(11, 24),
            pay_min=800,
            ir35="outside",
            regions=["London"],
            **day,
        )
        s.add(
            Item(
                kind="news",
                source_id=board.id,
                url="https://ib.example/news",
                title="Procurement day rates rise",
                status="approved",
                published_at=_at(11, 24),
                pay_min=5000,
                pay_period="day",
                regions=[NW],
            )
        )
    return ids
