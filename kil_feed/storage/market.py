"""Market figures from the stored job adverts: what the interim market pays and where demand
is forming, per ISO week and per quarter, by ITL1 region and role family.

One query reads the roles (approved job adverts, a cluster of copies across sources counted
once, through its earliest approved member); the order statistics (median, quartiles) are
taken here in Python because SQLite has no percentile function, so both databases give the
same numbers. Rules, each tested by hand in tests/market/test_figures.py and
tests/market/test_timezone.py:

- days, weeks and quarters are those of the configured zone (`timezone`, Europe/London):
  a UK week starts Monday 00:00 UK time, so an advert of 00:30 BST on a Monday (23:30 UTC
  on the Sunday) opened that Monday;
- a role is open from its publication (or collection) date until its closing date, or for
  `OPEN_WITHOUT_CLOSING` when the advert gives none; it counts in every week it was open,
  closed or not now, and as new in the week it opened;
- day rates are of interim and contract roles (and any role paid by the day); an hourly
  rate becomes a day rate only when the advert states its hours (per day, or per week over
  five days), otherwise it is left out and counted (`hourly_without_hours`); annual
  salaries are a figure of their own, never mixed with day rates; a role's pay is the
  middle of its range;
- a figure (median, quartiles, share inside IR35) is given only when it rests on at least
  `MIN_ADVERTS` roles; otherwise it is None and the figure says "not enough data".
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from kil_feed.models import Item, ItemKind, ItemStatus, ItemTag, PayPeriod
from kil_feed.roles import role_family
from kil_feed.timeutil import day_start, iso_week, local_today

MIN_ADVERTS = 5
OPEN_WITHOUT_CLOSING = timedelta(weeks=4)
NOT_ENOUGH = "not enough data"
CONTRACT_TYPES = ("interim", "contract")
_HOURS = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)\b\s*(?:a|per|/|each)?\s*(?P<unit>day|week|wk)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Role:
    """One role on the market (a cluster of copies counts once)."""

    id: int
    title: str
    family: str
    regions: tuple[str, ...]
    contract_type: str | None
    opened: date
    closes: date  # the last day it was open
    day_rate: float | None  # interim/contract pay as a day rate
    salary: float | None  # annual salary
    hourly_without_hours: bool  # paid by the hour, hours not stated: left out of day rates
    ir35: str | None

    def open_during(self, start: date, end: date) -> bool:
        return self.opened <= end and self.closes >= start


@dataclass(frozen=True)
class PayFigure:
    """Median and interquartile range of the pay of `count` roles, over weeks first..last."""

    count: int
    median: float | None
    q1: float | None
    q3: float | None
    first_week: str | None
    last_week: str | None

    @property
    def enough(self) -> bool:
        return self.median is not None

    @property
    def note(self) -> str:
        return "" if self.enough else NOT_ENOUGH


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one ISO week ("2026-W48") or quarter ("2026-Q4")."""

    period: str
    start: date
    end: date  # last day
    open_roles: int
    new_roles: int
    day_rate: PayFigure
    salary: PayFigure
    hourly_without_hours: int
    ir35_inside: int
    ir35_outside: int
    inside_share: float | None  # of roles stating IR35, when at least MIN_ADVERTS do


@dataclass
class MarketFigures:
    """Everything `/market`, `kil market` and the newsletter show, for one filter."""

    region: str | None
    role: str | None
    weeks: list[PeriodFigures]
    quarters: list[PeriodFigures]
    by_region: dict[str, PeriodFigures] = field(default_factory=dict)  # this quarter
    by_role: dict[str, PeriodFigures] = field(default_factory=dict)  # this quarter
    roles: int = 0  # roles read (after the filters), over the whole span


# --- reading the roles ------------------------------------------------------------------


def hours_per_day(text: Any) -> float | None:
    """Working hours per day stated by an advert ("7.5 hours per day", "37 hours a week")."""
    if not isinstance(text, str):
        return None
    match = _HOURS.search(text)
    if not match:
        return None
    hours = float(match["n"])
    per_day = hours if match["unit"].lower() == "day" else hours / 5
    return per_day if 1 <= per_day <= 16 else None


def _pay(item: Any) -> float | None:
    low, high = item.pay_min, item.pay_max
    if low is None and high is None:
        return None
    if low is None or high is None:
        return float(low if high is None else high)
    return (float(low) + float(high)) / 2


def _role(row: Any, regions: tuple[str, ...], family: str, zone: ZoneInfo) -> Role:
    """A row as a role, its days those of `zone` (a UK advert of 00:30 BST on a Monday
    opened that Monday, not on the Sunday its UTC date says)."""
    # UTCDateTime gives aware UTC values: straight to the zone
    opened = (row.published_at or row.collected_at).astimezone(zone).date()
    closes = (
        row.closes_at.astimezone(zone).date() if row.closes_at else opened + OPEN_WITHOUT_CLOSING
    )
    closes = max(closes, opened)
    pay, period = _pay(row), row.pay_period
    day_rate = salary = None
    hourly_without_hours = False
    paid_by_contract = row.contract_type in CONTRACT_TYPES or period == PayPeriod.day.value
    if pay is not None and period == PayPeriod.year.value:
        salary = pay
    elif pay is not None and paid_by_contract and period == PayPeriod.day.value:
        day_rate = pay
    elif pay is not None and paid_by_contract and period == PayPeriod.hour.value:
        hours = hours_per_day(row.hours)
        day_rate = pay * hours if hours else None
        hourly_without_hours = hours is None
    return Role(
        id=row.id,
        title=row.title,
        family=family,
        regions=regions,
        contract_type=row.contract_type,
        opened=opened,
        closes=closes,
        day_rate=day_rate,
        salary=salary,
        hourly_without_hours=hourly_without_hours,
        ir35=row.ir35 if row.ir35 in ("inside", "outside") else None,
    )


def market_roles(
    *,
    session: Session,
    since: date,
    until: date,
    region: str | None = None,
    tz: str = "Europe/London",
) -> list[Role]:
    """The roles open at some time in [since, until] (days of `tz`), a cluster counted once
    (its earliest approved member), optionally only those in `region`."""
    approved_jobs = sa.and_(
        col(Item.status) == ItemStatus.approved.value, col(Item.kind) == ItemKind.job.value
    )
    first_of_cluster = (
        select(func.min(col(Item.id)))
        .where(approved_jobs)
        .group_by(func.coalesce(col(Item.cluster_id), -col(Item.id)))
    )
    opened = func.coalesce(col(Item.published_at), col(Item.collected_at))
    start, end = day_start(since, tz), day_start(until + timedelta(days=1), tz)
    query = (
        select(
            Item.id,
            Item.title,
            sa.cast(col(Item.regions), sa.Text).label("regions"),  # decoded once per value
            Item.contract_type,
            Item.published_at,
            Item.collected_at,
            Item.closes_at,
            Item.pay_min,
            Item.pay_max,
            Item.pay_period,
            Item.ir35,
            col(Item.extra)["hours"].as_string().label("hours"),  # not every job's `extra`
        )  # fmt: skip
        .where(approved_jobs, col(Item.id).in_(first_of_cluster))
        .where(opened < end)
        .where(sa.or_(col(Item.closes_at).is_(None), col(Item.closes_at) >= start))
        .order_by(col(Item.id))
    )
    if region:
        tagged = select(ItemTag.item_id).where(ItemTag.kind == "region", ItemTag.value == region)
        query = query.where(col(Item.id).in_(tagged))
    zone = ZoneInfo(tz)
    # adverts share a few region lists and titles: each is decoded or classified once
    regions: dict[str | None, tuple[str, ...]] = {}
    families: dict[str, str] = {}
    roles = []
    for row in session.connection().execute(query):  # Core rows: no ORM loading per row
        if row.regions not in regions:
            regions[row.regions] = tuple(json.loads(row.regions) or ()) if row.regions else ()
        if row.title not in families:
            families[row.title] = role_family(row.title)
        role = _role(row, regions[row.regions], families[row.title], zone)
        if role.open_during(since, until):
            roles.append(role)
    return roles


# --- the figures --------------------------------------------------------------------------


def pay_figure(values: Iterable[tuple[float, date]]) -> PayFigure:
    """Median and quartiles (inclusive method) of pay values, with their week range."""
    pairs = list(values)
    days = [d for _, d in pairs]
    first, last = (iso_week(min(days)), iso_week(max(days))) if days else (None, None)
    if len(pairs) < MIN_ADVERTS:
        return PayFigure(len(pairs), None, None, None, first, last)
    pay = sorted(v for v, _ in pairs)
    q1, median, q3 = statistics.quantiles(pay, n=4, method="inclusive")
    return PayFigure(len(pairs), round(median, 2), round(q1, 2), round(q3, 2), first, last)


def period_figures(roles: list[Role], period: str, start: date, end: date) -> PeriodFigures:
    """The figures of the roles open in [start, end]."""
    open_roles = [r for r in roles if r.open_during(start, end)]
    seen = [max(r.opened, start) for r in open_roles]  # the first day seen in the period
    inside = sum(1 for r in open_roles if r.ir35 == "inside")
    outside = sum(1 for r in open_roles if r.ir35 == "outside")
    stated = inside + outside
    return PeriodFigures(
        period=period,
        start=start,
        end=end,
        open_roles=len(open_roles),
        new_roles=sum(1 for r in open_roles if start <= r.opened <= end),
        day_rate=pay_figure(
            (r.day_rate, d) for r, d in zip(open_roles, seen, strict=True) if r.day_rate is not None
        ),
        salary=pay_figure(
            (r.salary, d) for r, d in zip(open_roles, seen, strict=True) if r.salary is not None
        ),
        hourly_without_hours=sum(1 for r in open_roles if r.hourly_without_hours),
        ir35_inside=inside,
        ir35_outside=outside,
        inside_share=round(inside / stated, 4) if stated >= MIN_ADVERTS else None,
    )


def week_span(week_monday: date) -> tuple[str, date, date]:
    return iso_week(week_monday), week_monday, week_monday + timedelta(days=6)


def quarter_label(day: date) -> str:
    """`YYYY-Qn` of a day."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_span(day: date) -> tuple[str, date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    nxt = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return quarter_label(day), start, nxt - timedelta(days=1)


Span = tuple[str, date, date]  # ("2026-W48", first day, last day)


def period_spans(today: date, weeks: int, quarters: int) -> tuple[list[Span], list[Span]]:
    """The last `weeks` ISO weeks and `quarters` quarters up to `today`'s, oldest first."""
    monday = today - timedelta(days=today.weekday())
    week_spans = [week_span(monday - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)]
    quarter_spans: list[Span] = []
    day = today
    for _ in range(quarters):
        span = quarter_span(day)
        quarter_spans.insert(0, span)
        day = span[1] - timedelta(days=1)
    return week_spans, quarter_spans


def market_figures(
    *,
    session: Session,
    region: str | None = None,
    role: str | None = None,
    weeks: int = 12,
    quarters: int = 4,
    today: date | None = None,
    tz: str = "Europe/London",
) -> MarketFigures:
    """Weekly figures for the last `weeks` ISO weeks, quarterly for the last `quarters`
    quarters (both up to `today`'s), and this quarter by region and by role family; days,
    weeks and quarters are those of `tz` (the configured zone: a UK week starts Monday
    00:00 UK time)."""
    today = today or local_today(tz)
    week_spans, quarter_spans = period_spans(today, weeks, quarters)
    since = min(week_spans[0][1], quarter_spans[0][1])
    roles = market_roles(session=session, since=since, until=today, region=region, tz=tz)
    every_role = roles
    if role:
        roles = [r for r in roles if r.family == role]
    this_quarter = quarter_spans[-1]
    _, quarter_start, quarter_end = this_quarter

    def grouped(found: list[Role], keys: Any) -> dict[str, list[Role]]:
        """The roles open this quarter by region or by family, in one pass."""
        groups: dict[str, list[Role]] = {}
        for r in found:
            if r.open_during(quarter_start, quarter_end):
                for key in keys(r):
                    groups.setdefault(key, []).append(r)
        return groups

    of_region = grouped(roles, lambda r: r.regions)
    of_family = grouped(every_role, lambda r: (r.family,))
    # every role of a region (or family) open at some time in the span is still counted,
    # as before: the breakdowns list each region (family) that had a role in the span
    names = sorted({g for r in roles for g in r.regions})
    families = sorted({r.family for r in every_role})
    in_weeks = [r for r in roles if r.open_during(week_spans[0][1], week_spans[-1][2])]
    return MarketFigures(
        region=region,
        role=role,
        weeks=[period_figures(in_weeks, *span) for span in week_spans],
        quarters=[period_figures(roles, *span) for span in quarter_spans],
        by_region={name: period_figures(of_region.get(name, []), *this_quarter) for name in names},
        by_role={f: period_figures(of_family.get(f, []), *this_quarter) for f in families},
        roles=len(roles),
    )
