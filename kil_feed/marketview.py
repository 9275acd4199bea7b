"""How market figures read to people and scripts: the one formatter of a day rate, the
one sentence of a region's market, the one JSON shape (CLI `--json`, `/api/market`)."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from kil_feed.errors import ValidationError
from kil_feed.money import amount as pounds
from kil_feed.roles import ROLE_LABELS, canonical_role
from kil_feed.storage.market import MIN_ADVERTS, NOT_ENOUGH, MarketFigures, PayFigure, PeriodFigures
from kil_feed.text import counted

WEEK_PATTERN = r"^((?:19|20)\d\d)-W(0[1-9]|[1-4]\d|5[0-3])$"


def market_filters(
    region: str | None, role: str | None, week: str | None = None
) -> tuple[str | None, str | None, date | None]:
    """The region (name or slug, as on /jobs), role family and last day (the Sunday of an
    ISO week `YYYY-Www`) of a market query; a ValidationError for a value that cannot be."""
    from kil_feed.web.filters import region_param, restricted

    role = restricted("role", role)
    week = restricted("week", week)
    last_day = None
    if week:
        match = re.fullmatch(WEEK_PATTERN, week.upper())
        if not match:
            raise ValidationError(
                f"invalid week: {week[:40]!r}", hint="use an ISO week such as 2026-W48"
            )
        # W53 of a year with 52 weeks is the next year's W01, as weeks are counted on
        first_monday = date.fromisocalendar(int(match[1]), 1, 1)
        last_day = first_monday + timedelta(weeks=int(match[2]) - 1, days=6)
    return region_param(region), canonical_role(role) if role else None, last_day


def pay_text(fig: PayFigure) -> str:
    """'median £450 (IQR £450–£550), 5 roles' or 'not enough data (2 roles)'."""
    roles = counted(fig.count, "role")
    if not fig.enough:
        return f"{NOT_ENOUGH} ({roles})"
    return f"median {pounds(fig.median)} (IQR {pounds(fig.q1)}–{pounds(fig.q3)}), {roles}"


def share_text(period: PeriodFigures) -> str:
    stated = period.ir35_inside + period.ir35_outside
    if period.inside_share is None:
        return f"{NOT_ENOUGH} ({stated} stated)"
    return f"{period.inside_share:.0%} inside ({stated} stated)"


def change_text(now: float | None, before: float | None) -> str:
    """'+3 % on last quarter', or '' when either side has no figure."""
    if now is None or not before:
        return ""
    change = round((now - before) / before * 100)
    return f"{change:+d} % on last quarter" if change else "level with last quarter"


def pulse_sentence(region: str | None, figs: MarketFigures) -> str:
    """'North West interim day rates: median £575 (+3 % on last quarter), 14 roles'."""
    where = region or "UK"
    now = figs.quarters[-1].day_rate
    before = figs.quarters[-2].day_rate if len(figs.quarters) > 1 else None
    roles = counted(now.count, "role")
    if not now.enough:
        return f"{where} interim day rates: {NOT_ENOUGH} this quarter ({roles})."
    change = change_text(now.median, before.median if before else None)
    return (
        f"{where} interim day rates: median {pounds(now.median)}"
        f"{f' ({change})' if change else ''}, {roles}."
    )


def _pay_json(fig: PayFigure) -> dict[str, Any]:
    return {**asdict(fig), "enough": fig.enough, "note": fig.note}


def period_json(period: PeriodFigures) -> dict[str, Any]:
    return {
        "period": period.period,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "open_roles": period.open_roles,
        "new_roles": period.new_roles,
        "day_rate": _pay_json(period.day_rate),
        "salary": _pay_json(period.salary),
        "hourly_without_hours": period.hourly_without_hours,
        "ir35": {
            "inside": period.ir35_inside,
            "outside": period.ir35_outside,
            "inside_share": period.inside_share,
        },
    }


def figures_json(figs: MarketFigures) -> dict[str, Any]:
    """The figures as JSON (the same for `kil market --json` and `/api/market`)."""
    return {
        "region": figs.region,
        "role": figs.role,
        "min_adverts": MIN_ADVERTS,
        "roles": figs.roles,
        "summary": pulse_sentence(figs.region, figs),
        "weeks": [period_json(p) for p in figs.weeks],
        "quarters": [period_json(p) for p in figs.quarters],
        "by_region": {name: period_json(p) for name, p in figs.by_region.items()},
        "by_role": {
            slug: {"label": ROLE_LABELS.get(slug, slug), **period_json(p)}
            for slug, p in figs.by_role.items()
        },
    }
