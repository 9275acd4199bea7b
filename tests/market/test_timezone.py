"""The market's days, weeks and quarters are those of the configured zone (Europe/London by
default), on SQLite and PostgreSQL: an advert of 00:30 BST on a Monday (23:30 UTC on the
Sunday) opened in that Monday's week; in winter UK time is UTC and nothing moves."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import load_settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.market import MarketFigures, market_figures
from kil_feed.storage.market_notices import notice_figures
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import local_today
from kil_feed.web.app import create_app
from tests.conftest import Cli

NW = "North West"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def seed_jobs(engine: Engine, jobs: dict[str, tuple[datetime, datetime | None]]) -> None:
    """Interim day-rate jobs by name: (published, closes)."""
    with write_session(engine) as s:
        board, _ = upsert_source("Board", session=s, kind="jobs", url="https://board.example/")
        for name, (published, closes) in jobs.items():
            save_item(
                Item(kind="job", source_id=board.id, url=f"https://board.example/{name}",
                     title="Interim Buyer",
                     published_at=published, closes_at=closes, status="approved", regions=[NW],
                     pay_min=500, pay_period="day", contract_type="interim"),
                session=s,
            )  # fmt: skip


def figures(engine: Engine, today: date, tz: str = "Europe/London") -> MarketFigures:
    with read_session(engine) as session:
        return market_figures(session=session, today=today, tz=tz)


def weeks(figs: MarketFigures) -> dict[str, tuple[int, int]]:
    """(open, new) roles by week label."""
    return {w.period: (w.open_roles, w.new_roles) for w in figs.weeks}


def test_bst_monday_just_after_midnight_is_in_that_mondays_week(any_engine: Engine) -> None:
    seed_jobs(any_engine, {
        "monday": (utc(2026, 6, 7, 23, 30), None),  # Monday 8 June 00:30 BST
        "sunday": (utc(2026, 6, 7, 22, 30), None),  # Sunday 7 June 23:30 BST
    })  # fmt: skip
    by_week = weeks(figures(any_engine, date(2026, 6, 8)))
    assert by_week["2026-W24"] == (2, 1)  # both open on Monday, one new
    assert by_week["2026-W23"] == (1, 1)  # the Monday advert was not open on Sunday


def test_bst_closing_just_after_midnight_is_open_that_day(any_engine: Engine) -> None:
    # closes 00:30 BST on Monday 15 June (23:30 UTC on Sunday): still open in W25
    seed_jobs(any_engine, {"closing": (utc(2026, 6, 1, 9), utc(2026, 6, 14, 23, 30))})
    assert weeks(figures(any_engine, date(2026, 6, 15)))["2026-W25"] == (1, 0)


def test_bst_first_of_the_quarter_just_after_midnight(any_engine: Engine) -> None:
    seed_jobs(any_engine, {"july": (utc(2026, 6, 30, 23, 30), None)})  # 1 July 00:30 BST
    figs = figures(any_engine, date(2026, 7, 1))
    q2, q3 = figs.quarters[-2], figs.quarters[-1]
    assert (q2.period, q2.open_roles, q3.period, q3.new_roles) == ("2026-Q2", 0, "2026-Q3", 1)


def test_gmt_week_edges_are_utc(any_engine: Engine) -> None:
    seed_jobs(any_engine, {
        "sunday": (utc(2026, 11, 22, 23, 30), utc(2026, 11, 22, 23, 59)),  # Sunday in GMT
        "monday": (utc(2026, 11, 23, 0, 30), None),  # Monday 00:30 GMT
    })  # fmt: skip
    by_week = weeks(figures(any_engine, date(2026, 11, 23)))
    assert (by_week["2026-W47"], by_week["2026-W48"]) == ((1, 1), (1, 1))


def test_the_configured_zone_decides(any_engine: Engine) -> None:
    seed_jobs(any_engine, {"monday": (utc(2026, 6, 7, 23, 30), None)})
    assert weeks(figures(any_engine, date(2026, 6, 8), tz="UTC"))["2026-W23"] == (1, 1)
    assert weeks(figures(any_engine, date(2026, 6, 8)))["2026-W23"] == (0, 0)


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (utc(2026, 6, 7, 23, 30), date(2026, 6, 8)),  # BST: already Monday in the UK
        (utc(2026, 6, 7, 22, 59), date(2026, 6, 7)),
        (utc(2026, 11, 22, 23, 30), date(2026, 11, 22)),  # GMT: still Sunday
    ],
)
def test_today_is_the_uk_day(now: datetime, today: date) -> None:
    assert local_today("Europe/London", now) == today


def seed_notice(engine: Engine, published: datetime, history_date: str | None) -> None:
    with write_session(engine) as s:
        fts, _ = upsert_source("FTS", session=s, kind="notices", url="https://fts.example/")
        save_item(
            Item(kind="notice", source_id=fts.id, url="https://fts.example/n", guid="ocds-tz",
                 title="Notice",
                 published_at=published, status="approved", employer="Leeds City Council",
                 buyer_key="leeds city council", regions=[NW],
                 extra={"notice": {"stage": "tender", "buyer_type": "local-authority"},
                        "compiled": {"tender": {"value": {"amount": 1000, "currency": "GBP"}}},
                        "history": [{"id": "1", "date": history_date, "tag": ["tender"]}]
                        if history_date else []}),
            session=s,
        )  # fmt: skip


@pytest.mark.parametrize(
    "history_date", ["2026-06-07T23:30:00Z", "2026-06-08T00:30:00+01:00", None]
)
def test_notice_tendered_just_after_midnight_bst(any_engine: Engine, history_date: str) -> None:
    seed_notice(any_engine, utc(2026, 6, 7, 23, 30), history_date)
    with read_session(any_engine) as session:
        figs = notice_figures(session=session, today=date(2026, 6, 8))
    by_week = {w.period: w.tenders.count for w in figs.weeks}
    assert (by_week["2026-W23"], by_week["2026-W24"]) == (0, 1)


def test_notice_gmt_sunday_late_stays_sunday(any_engine: Engine) -> None:
    seed_notice(any_engine, utc(2026, 11, 22, 23, 30), "2026-11-22T23:30:00Z")
    with read_session(any_engine) as session:
        figs = notice_figures(session=session, today=date(2026, 11, 23))
    by_week = {w.period: w.tenders.count for w in figs.weeks}
    assert (by_week["2026-W47"], by_week["2026-W48"]) == (1, 0)


def test_cli_and_web_use_the_configured_zone(
    cli: Cli, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_jobs(engine, {"monday": (utc(2026, 6, 7, 23, 30), None)})

    def new_by_week() -> dict[str, int]:
        out = json.loads(cli("market", "--week", "2026-W24", "--json").stdout)
        return {w["period"]: w["new_roles"] for w in out["weeks"]}

    def web_new() -> list[int]:
        app = create_app(load_settings())
        with TestClient(app) as client:
            out = client.get("/api/market", params={"week": "2026-W24"}).json()["weeks"]
        app.state.engine.dispose()
        return [w["new_roles"] for w in out[-2:]]  # W23, W24

    assert (new_by_week()["2026-W23"], new_by_week()["2026-W24"]) == (0, 1)
    assert web_new() == [0, 1]
    monkeypatch.setenv("KIL_TIMEZONE", "UTC")
    assert (new_by_week()["2026-W23"], new_by_week()["2026-W24"]) == (1, 0)
    assert web_new() == [1, 0]
