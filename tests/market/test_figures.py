"""Every market figure of a known set of adverts (tests/support/market.py), worked out by
hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from kil_feed.db import read_session
from kil_feed.storage.market import (
    MarketFigures,
    PeriodFigures,
    hours_per_day,
    market_figures,
    quarter_span,
)
from tests.support.market import NW, TODAY, seed_market


@pytest.fixture
def seeded(any_engine: Engine) -> Engine:
    seed_market(any_engine)
    return any_engine


def figures(engine: Engine, **kw: object) -> MarketFigures:
    with read_session(engine) as session:
        return market_figures(session=session, today=TODAY, **kw)  # type: ignore[arg-type]


def week(figs: MarketFigures, label: str) -> PeriodFigures:
    return next(w for w in figs.weeks if w.period == label)


def test_north_west_this_week(seeded: Engine) -> None:
    w48 = week(figures(seeded, region=NW), "2026-W48")
    # open: head (its copy counts once), manager, buyer, category (opened W47), officer
    # (salary), contracts (hourly with hours), hourly (no hours); commissioning closed on
    # 20 Nov, the rejected advert, the London one and the news item never count
    assert (w48.open_roles, w48.new_roles) == (7, 6)
    # day rates: buyer 410, manager 450, contracts 60 x 7.5 = 450, head 550, category 600
    assert w48.day_rate.count == 5
    assert (w48.day_rate.q1, w48.day_rate.median, w48.day_rate.q3) == (450, 450, 550)
    assert (w48.day_rate.first_week, w48.day_rate.last_week) == ("2026-W48", "2026-W48")
    assert w48.hourly_without_hours == 1
    # the one salary is kept apart and is too few for a figure
    assert w48.salary.count == 1 and w48.salary.median is None
    assert w48.salary.note == "not enough data"
    # IR35 stated by 5: inside buyer; outside head, manager, category, contracts
    assert (w48.ir35_inside, w48.ir35_outside, w48.inside_share) == (1, 4, 0.2)


def test_closed_roles_count_in_the_weeks_they_were_open(seeded: Engine) -> None:
    figs = figures(seeded, region=NW)
    assert [week(figs, w).open_roles for w in ("2026-W44", "2026-W45", "2026-W46")] == [0, 1, 1]
    w47 = week(figs, "2026-W47")
    assert (w47.open_roles, w47.new_roles) == (2, 1)  # commissioning and category
    assert w47.day_rate.count == 2 and w47.day_rate.median is None  # not enough data
    assert w47.inside_share is None  # two state IR35


def test_every_region(seeded: Engine) -> None:
    w48 = week(figures(seeded), "2026-W48")
    # the London 800 joins: 410 450 450 550 600 800
    assert w48.day_rate.count == 6
    assert (w48.day_rate.q1, w48.day_rate.median, w48.day_rate.q3) == (450, 500, 587.5)
    assert (w48.open_roles, w48.ir35_outside) == (8, 5)


def test_quarter(seeded: Engine) -> None:
    figs = figures(seeded, region=NW)
    q4 = figs.quarters[-1]
    assert [q.period for q in figs.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert (q4.open_roles, q4.new_roles) == (8, 8)
    # 410 450 450 550 600 700: Q3 at position 3.75 of 0..5, between 550 and 600
    assert q4.day_rate.count == 6
    assert (q4.day_rate.q1, q4.day_rate.median, q4.day_rate.q3) == (450, 500, 587.5)
    assert (q4.day_rate.first_week, q4.day_rate.last_week) == ("2026-W45", "2026-W48")
    assert (q4.ir35_inside, q4.ir35_outside, q4.inside_share) == (2, 4, round(2 / 6, 4))
    assert figs.quarters[-2].open_roles == 0
    assert set(figures(seeded).by_region) == {NW, "London"}
    assert figures(seeded).by_region["London"].day_rate.count == 1


def test_role_family(seeded: Engine) -> None:
    figs = figures(seeded, region=NW, role="procurement")
    w48 = week(figs, "2026-W48")
    # head, manager, buyer, officer, hourly ("Interim Buyer")
    assert w48.open_roles == 5
    assert w48.day_rate.count == 3 and w48.day_rate.median is None
    # by role in the region (the role filter does not narrow this breakdown), and everywhere
    assert figs.by_role["procurement"].open_roles == 5
    assert figures(seeded).by_role["procurement"].open_roles == 6  # London's head of commercial
    assert figs.by_role["category-management"].open_roles == 1
    assert figs.by_role["contract-management"].day_rate.count == 1


def test_weeks_end_at_today() -> None:
    assert quarter_span(date(2026, 12, 31)) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_span(date(2026, 1, 1)) == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("7.5 hours per day", 7.5),
        ("37 hours per week", 7.4),
        ("Full time, 37.5 hrs/week", 7.5),
        ("8h a day", 8.0),
        ("Full time", None),
        (None, None),
        ("200 hours per week", None),
    ],
)
def test_hours_per_day(text: str | None, hours: float | None) -> None:
    assert hours_per_day(text) == hours
