"""Every notice figure of a known set of procurement notices (tests/support/market_notices.py),
worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from kil_feed.db import read_session
from kil_feed.storage.market_notices import NoticeFigures, NoticePeriod, Totals, notice_figures
from tests.support.market import TODAY
from tests.support.market_notices import CAMDEN, MANCHESTER, NW, seed_notices


@pytest.fixture
def seeded(any_engine: Engine) -> Engine:
    seed_notices(any_engine)
    return any_engine


def figures(engine: Engine, **kw: object) -> NoticeFigures:
    with read_session(engine) as session:
        return notice_figures(session=session, today=TODAY, **kw)  # type: ignore[arg-type]


def week(periods: list[NoticePeriod], label: str) -> NoticePeriod:
    return next(p for p in periods if p.period == label)


def test_weeks_every_region(seeded: Engine) -> None:
    figs = figures(seeded)
    assert [w.period for w in figs.weeks][::11] == ["2026-W37", "2026-W48"]
    w48 = week(figs.weeks, "2026-W48")
    # tenders: A (100,000; its older copy at 999,999 is not read) and D (euros, not summed)
    assert w48.tenders == Totals(count=2, valued=1, value=100000, not_gbp=1)
    # awards: C (gross 60,000, dated by its contract release) and F (London, 500,000)
    assert w48.awards == Totals(count=2, valued=2, value=560000, not_gbp=0)
    w47 = week(figs.weeks, "2026-W47")
    assert w47.tenders == Totals(1, 1, 30000, 0)  # J, no region
    assert w47.awards == Totals(1, 1, 180000, 0)  # B's award
    assert week(figs.weeks, "2026-W41").tenders == Totals(1, 0, 0, 0)  # E, no value
    assert week(figs.weeks, "2026-W41").tenders.no_value == 1
    assert week(figs.weeks, "2026-W37").tenders == Totals(1, 1, 200000, 0)  # B's tender
    quiet = [w.period for w in figs.weeks if not (w.tenders.count or w.awards.count)]
    assert quiet == ["2026-W38", "2026-W39", "2026-W40", "2026-W42", "2026-W43", "2026-W44",
                     "2026-W45", "2026-W46"]  # fmt: skip
    # A B C D E F J: the rejected, planned and older notices never count
    assert figs.procurements == 7


def test_quarters(seeded: Engine) -> None:
    figs = figures(seeded)
    assert [q.period for q in figs.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    q3, q4 = figs.quarters[2], figs.quarters[3]
    assert q4.tenders == Totals(count=4, valued=2, value=130000, not_gbp=1)  # A D E J
    assert q4.awards == Totals(count=3, valued=3, value=740000, not_gbp=0)  # B C F
    assert q3.tenders == Totals(1, 1, 200000, 0) and q3.awards == Totals()
    assert figs.quarters[0].tenders == Totals() == figs.quarters[0].awards  # 2025's is outside


def test_by_region_and_buyer_type(seeded: Engine) -> None:
    figs = figures(seeded)
    assert list(figs.by_region) == ["London", NW, "unknown"]
    nw = figs.by_region[NW].quarters[-1]
    assert nw.tenders == Totals(3, 1, 100000, 1)  # A D E
    assert nw.awards == Totals(2, 2, 240000, 0)  # B C
    assert figs.by_region["London"].quarters[-1].awards == Totals(1, 1, 500000, 0)
    assert figs.by_region["unknown"].quarters[-1].tenders == Totals(1, 1, 30000, 0)
    assert week(figs.by_region[NW].weeks, "2026-W48").awards == Totals(1, 1, 60000, 0)
    kinds = figs.by_buyer_type
    assert list(kinds) == ["central-government", "education", "local-authority", "nhs"]
    la = kinds["local-authority"].quarters[-1]
    assert la.tenders == Totals(2, 1, 100000, 0)  # A E
    assert la.awards == Totals(2, 2, 680000, 0)  # B F
    assert kinds["nhs"].quarters[-1].awards == Totals(1, 1, 60000, 0)
    assert kinds["education"].quarters[-1].tenders == Totals(1, 0, 0, 1)


def test_top_buyers_this_quarter(seeded: Engine) -> None:
    top = figures(seeded).top_buyers
    # Camden: F's award; Manchester: A's tender 100,000 + B's award 180,000 (its Q3 tender
    # is not this quarter's) + E without a value; the NHS trust has no stored buyer row
    assert [(b.name, b.value, b.notices, b.tenders, b.awards) for b in top] == [
        (CAMDEN, 500000, 1, 0, 1),
        (MANCHESTER, 280000, 3, 2, 1),
        ("Salford Royal NHS Foundation Trust", 60000, 1, 0, 1),
        ("Cabinet Office", 30000, 1, 1, 0),
        ("University of Manchester", 0, 1, 1, 0),
    ]
    assert [b.slug for b in top[:3]] == ["camden", "manchester-city-council", None]
    assert figures(seeded, top=2).top_buyers == top[:2]


def test_region_filter(seeded: Engine) -> None:
    figs = figures(seeded, region=NW)
    assert figs.procurements == 5  # A B C D E
    assert figs.quarters[-1].tenders == Totals(3, 1, 100000, 1)
    assert list(figs.by_region) == [NW]
    assert [b.name for b in figs.top_buyers] == [
        MANCHESTER, "Salford Royal NHS Foundation Trust", "University of Manchester"
    ]  # fmt: skip
