"""How the procurement-notice figures read to people and scripts: the one sentence of a
period's tenders and awards, the one JSON shape (`kil market --notices --json`,
`/api/market/notices`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from crawler.ocds import BUYER_TYPE_LABELS
from kil_feed.money import amount as pounds
from kil_feed.storage.market_notices import (
    CURRENCY,
    UNKNOWN,
    NoticeFigures,
    NoticePeriod,
    NoticeSeries,
    Totals,
)
from kil_feed.text import counted

RULES = (
    "Approved notices; one procurement (ocid) counts once. A tender counts in the week its "
    "tender was published, at its estimated value; an award on its award date, at the "
    "contract's (else the award's) value. Net values, gross where no net one is published; "
    "totals are in GBP only: values in another currency, or without one, are counted and "
    "left out of the totals, never converted."
)


def buyer_type_label(key: str | None) -> str:
    if not key or key == UNKNOWN:
        return "Not known"
    return BUYER_TYPE_LABELS.get(key, key)


def region_label(name: str | None) -> str:
    return "Region not known" if not name or name == UNKNOWN else name


def totals_text(totals: Totals, noun: str) -> str:
    """'3 tenders worth £100,000 (1 valued in GBP; 1 in another currency)'."""
    text = counted(totals.count, noun)
    if not totals.count:
        return text
    if totals.valued:
        text += f" worth {pounds(totals.value)}"
    left = []
    if totals.valued != totals.count:
        left.append(f"{totals.valued} valued in GBP")
    if totals.not_gbp:
        left.append(f"{totals.not_gbp} in another currency")
    return text + (f" ({'; '.join(left)})" if left else "")


def period_sentence(where: str | None, period: NoticePeriod) -> str:
    """'North West procurement notices, 2026-Q4: 3 tenders worth £100,000 (...), 2 awards
    worth £240,000.'"""
    return (
        f"{where or 'UK'} procurement notices, {period.period}: "
        f"{totals_text(period.tenders, 'tender')}, {totals_text(period.awards, 'award')}."
    )


def _totals_json(totals: Totals) -> dict[str, Any]:
    return {**asdict(totals), "no_value": totals.no_value}


def notice_period_json(period: NoticePeriod) -> dict[str, Any]:
    return {
        "period": period.period,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tenders": _totals_json(period.tenders),
        "awards": _totals_json(period.awards),
    }


def _series_json(series: NoticeSeries) -> dict[str, Any]:
    return {
        "weeks": [notice_period_json(p) for p in series.weeks],
        "quarters": [notice_period_json(p) for p in series.quarters],
    }


def notice_figures_json(figs: NoticeFigures) -> dict[str, Any]:
    """The notice figures as JSON (the same for the CLI and the API)."""
    return {
        "region": figs.region,
        "currency": CURRENCY,
        "rules": RULES,
        "procurements": figs.procurements,
        "summary": period_sentence(figs.region, figs.quarters[-1]),
        **_series_json(NoticeSeries(figs.weeks, figs.quarters)),
        "by_region": {name: _series_json(s) for name, s in figs.by_region.items()},
        "by_buyer_type": {
            key: {"label": buyer_type_label(key), **_series_json(s)}
            for key, s in figs.by_buyer_type.items()
        },
        "top_buyers": {
            "quarter": figs.quarters[-1].period,
            "buyers": [
                {
                    **asdict(b),
                    "buyer_type_label": buyer_type_label(b.buyer_type),
                    "url": f"/buyers/{b.slug}" if b.slug else None,
                }
                for b in figs.top_buyers
            ],  # fmt: skip
        },
    }
