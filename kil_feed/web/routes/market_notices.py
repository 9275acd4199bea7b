"""The procurement notices on `/market` (two charts, their summaries and tables, the top
buyers) and their JSON at `/api/market/notices`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from kil_feed.charts import inline_svg
from kil_feed.marketview import WEEK_PATTERN, market_filters
from kil_feed.notice_charts import notices_by_week, value_by_region
from kil_feed.noticemarketview import (
    RULES,
    buyer_type_label,
    notice_figures_json,
    period_sentence,
    region_label,
    totals_text,
)
from kil_feed.storage.market_notices import NoticeFigures
from kil_feed.web.deps import figures_of, reader
from kil_feed.web.filters import region_values

api_router = APIRouter(prefix="/api", tags=["market"])


def _summaries(figs: NoticeFigures) -> dict[str, str]:
    weeks = figs.weeks
    span = f"{weeks[0].period} to {weeks[-1].period}"
    busiest = max(weeks, key=lambda w: (w.tenders.count + w.awards.count, w.period))
    tenders = sum(w.tenders.count for w in weeks)
    awards = sum(w.awards.count for w in weeks)
    by_week = (
        f"Tenders and awards published by week, {span}: {tenders} tenders and {awards} awards "
        f"in all; this week {totals_text(weeks[-1].tenders, 'tender')}, "
        f"{totals_text(weeks[-1].awards, 'award')}"
        + (
            f"; the busiest week {busiest.period}."
            if busiest.tenders.count + busiest.awards.count
            else "."
        )
    )
    quarter = figs.quarters[-1].period
    ranked = sorted(
        figs.by_region.items(),
        key=lambda kv: -(kv[1].quarters[-1].tenders.value + kv[1].quarters[-1].awards.value),
    )
    if ranked:
        name, series = ranked[0]
        top = series.quarters[-1]
        value = (
            f"Value of tenders and awards by region, {quarter}, in GBP: the most in "
            f"{region_label(name)}, {totals_text(top.tenders, 'tender')} and "
            f"{totals_text(top.awards, 'award')}; {len(ranked)} "
            f"{'region' if len(ranked) == 1 else 'regions'} in the table."
        )
    else:
        value = f"Value of tenders and awards by region, {quarter}: no notices this quarter."
    return {"notices": by_week, "notice-value": value}


def notice_context(figs: NoticeFigures) -> dict[str, Any]:
    """What `/market` shows of the notices figures (for a region filter, up to a day)."""
    region = figs.region
    summaries = _summaries(figs)
    svgs = {"notices": notices_by_week(figs.weeks), "notice-value": value_by_region(figs.by_region)}
    return {
        "notice_figs": figs,
        "notice_summaries": summaries,
        "notice_charts": {name: inline_svg(svg, summaries[name]) for name, svg in svgs.items()},
        "notice_headline": period_sentence(region, figs.quarters[-1]),
        "notice_rules": RULES,
        "buyer_type_label": buyer_type_label,
        "region_label": region_label,
    }


@api_router.get(
    "/market/notices", summary="Procurement notices: tenders and awards by week and quarter"
)
def api_market_notices(
    request: Request,
    region: str | None = Query(
        None, description="ITL1 region: name or slug", json_schema_extra={"enum": region_values()}
    ),
    week: str | None = Query(
        None, description="Up to this ISO week, e.g. 2026-W48", pattern=WEEK_PATTERN
    ),
    session: Session = Depends(reader),
) -> dict:
    """Count and GBP value of tenders and awards per week, quarter, region and buyer type,
    and this quarter's top buyers: the figures behind the notice charts on /market."""
    region, _role, last_day = market_filters(region, None, week)
    figs = figures_of(request).notices(session=session, region=region, today=last_day)
    return notice_figures_json(figs)
