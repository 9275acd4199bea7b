"""`/market`: the interim market's day rates and roles as charts drawn on the server (inline
SVG, no script), each with a text summary and its data table; `/api/market` its JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session

from kil_feed.charts import CHARTS, inline_svg, render_chart
from kil_feed.db import read_session
from kil_feed.errors import NotFoundError, ValidationError
from kil_feed.marketview import WEEK_PATTERN, figures_json, market_filters, pay_text, pulse_sentence
from kil_feed.models import Issue, ItemKind
from kil_feed.regions import ITL1_REGIONS
from kil_feed.roles import ROLE_FAMILIES, ROLE_LABELS
from kil_feed.storage.market import MarketFigures
from kil_feed.storage.web import storable_id
from kil_feed.timeutil import day_start, local_today, utcnow
from kil_feed.web.deps import (
    ListingStamp,
    engine_of,
    figures_of,
    listing_response,
    listing_stamp,
    listing_unchanged,
    reader,
    render,
    settings_of,
)
from kil_feed.web.filters import RowId, region_values, slugify
from kil_feed.web.routes.market_notices import notice_context
from kil_feed.web.serialize import CONDITIONAL_REQUEST, VALIDATED

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["market"])


def _summaries(figs: MarketFigures) -> dict[str, str]:
    weeks = [w for w in figs.weeks if w.open_roles]
    span = f"{figs.weeks[0].period} to {figs.weeks[-1].period}"
    last = figs.weeks[-1]
    rated = [w for w in figs.weeks if w.day_rate.enough]
    rates = (
        f"Median day rate by week, {span}: {len(rated)} of {len(figs.weeks)} weeks rest on "
        f"at least 5 roles. This week: {pay_text(last.day_rate)}."
    )
    peak = max(weeks, key=lambda w: w.open_roles) if weeks else None
    roles = (
        f"Open roles by week, {span}: {last.open_roles} open this week, {last.new_roles} new"
        + (
            f"; the most, {peak.open_roles}, in {peak.period}."
            if peak
            else "; none in these weeks."
        )
    )
    return {"day-rates": rates, "roles": roles}


@router.get("/market", response_class=HTMLResponse)
def market(
    request: Request,
    region: str | None = None,
    role: str | None = None,
    week: str | None = None,
    session: Session = Depends(reader),
) -> HTMLResponse:
    context = {"regions": ITL1_REGIONS, "roles": ROLE_FAMILIES, "role_labels": ROLE_LABELS}
    try:
        region, role, last_day = market_filters(region, role, week)
    except ValidationError as exc:
        return render(request, "market.html", {**context, "error": exc}, status=422)
    cache = figures_of(request)
    jobs = cache.stamp(ItemKind.job.value, session=session)
    notice_stamp = cache.stamp(ItemKind.notice.value, session=session)

    def drawn() -> tuple[MarketFigures, dict[str, str], dict[str, str]]:
        figs = cache.market(session=session, region=region, role=role, today=last_day, stamp=jobs)
        summaries = _summaries(figs)
        charts = {
            name: inline_svg(render_chart(name, figs.weeks), summaries[name]) for name in summaries
        }
        return figs, summaries, charts

    figs, summaries, charts = cache.kept(("page", region, role, last_day), jobs, drawn)
    params = {"region": slugify(region) if region else None, "role": role, "week": week}
    notices = cache.kept(
        ("notices page", region, last_day),
        notice_stamp,
        lambda: notice_context(
            cache.notices(session=session, region=region, today=last_day, stamp=notice_stamp)
        ),
    )
    return render(
        request,
        "market.html",
        {
            **context,
            "figs": figs,
            "charts": charts,
            "summaries": summaries,
            "headline": pulse_sentence(region, figs),
            "selected": {"region": region, "role": role},
            "params": params,
            **notices,
        },
    )


CHART_CACHE = "public, max-age=86400"  # a chart in an email: kept a day, then revalidated


@router.get("/market/charts/{name}.png")
def chart_png(
    name: str,
    request: Request,
    region: str | None = None,
    role: str | None = None,
    week: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    """A small PNG of one chart, for email (Gmail shows no SVG); cached for a day, then a
    current copy is a 304 before the figures are counted and drawn (`market_stamp`)."""
    if name not in CHARTS:
        raise NotFoundError(f"no chart {name!r}", hint="charts: " + ", ".join(CHARTS))
    region, role, last_day = market_filters(region, role, week)
    stamp = market_stamp(request, region, role, last_day, session=session)
    if (cached := listing_unchanged(request, stamp)) is None:
        figs = figures_of(request).market(session=session, region=region, role=role, today=last_day)
        png = render_chart(name, figs.weeks, fmt="png", small=True)
        cached = listing_response(request, Response(png, media_type="image/png"), stamp)
    cached.headers["cache-control"] = CHART_CACHE
    return cached


def market_stamp(
    request: Request,
    region: str | None,
    role: str | None,
    last_day: date | None,
    *,
    session: Session,
) -> ListingStamp:
    """The validators of market figures (/api/market, the charts), known before they are
    counted: the jobs' listing version and the filters (`listing_stamp`). The weeks up to
    today (no `week`) are counted to the UK day, so a new day is new figures: the day is
    in the ETag and its start in Last-Modified."""
    settings, now = settings_of(request), utcnow()
    current = last_day is None
    began = day_start(local_today(settings.timezone, now), settings.timezone) if current else None
    key = {"region": region, "role": role, "last_day": last_day}
    return listing_stamp(
        request, (ItemKind.job.value,), session=session, key=key, now=now, also=[began],
        per_day=current,
    )  # fmt: skip


@router.get("/issues/{issue_id}/market/{key}.png")
def issue_chart_png(issue_id: RowId, key: str, request: Request) -> Response:
    """An issue's market-pulse chart (the email's image): the stored PNG once the send has
    begun, so it never changes; drawn from today's figures for a preview of an unsent one,
    with validators of what it is drawn from, so that a copy with a current ETag is a 304
    before the figures are counted and drawn (`_preview_stamp`)."""
    from kil_feed.storage.issues import SENT_STATUSES
    from kil_feed.storage.snapshots import find_snapshot
    from newsletter.pulse import IssuePulses, key_regions

    missing = NotFoundError(f"no market chart {key!r} for issue {issue_id}")
    try:
        key_regions(key)
    except ValidationError:
        raise missing from None
    engine = engine_of(request)
    settings, now = settings_of(request), utcnow()
    with read_session(engine) as session:
        stored = find_snapshot(issue_id, key, session=session) if storable_id(issue_id) else None
        issue = session.get(Issue, issue_id) if stored is None and storable_id(issue_id) else None
        preview = issue is not None and issue.status not in SENT_STATUSES and stored is None
        stamp = _preview_stamp(request, issue, key, now, session=session) if preview else None
    if stored is not None and stored.png:
        immutable = "public, max-age=31536000, immutable"
        return Response(stored.png, media_type="image/png", headers={"Cache-Control": immutable})
    if issue is None or stamp is None:
        raise missing
    # only a tag a 200 gave at this version is answered before drawing: with no adverts to
    # chart it is a 404, which `*` or a date must not be told is current
    if (cached := listing_unchanged(request, stamp, current=False)) is not None:
        return cached
    today = local_today(settings.timezone, now)
    _, png = IssuePulses(engine, settings, issue_id, issue.week, today=today).entry(key)
    if not png:
        raise missing  # no adverts to chart: a 404 whatever the client holds
    return listing_response(request, Response(png, media_type="image/png"), stamp)


def _preview_stamp(
    request: Request, issue: Issue, key: str, now: datetime, *, session: Session
) -> ListingStamp:
    """An unsent issue's live chart is drawn from the approved jobs up to its week's last
    day (today, for the week in progress): its validators (`listing_stamp`) are of those
    (the jobs' listing version, the issue's week, the day, the region set) and the
    settings and code; Last-Modified is when the jobs last changed, or the day began while
    it is the chart's last day. Weak, like every ETag made before the body is: the same
    figures drawn by another matplotlib or font are other bytes."""
    from newsletter.pulse import issue_last_day

    settings = settings_of(request)
    today = local_today(settings.timezone, now)
    last_day = issue_last_day(issue.week, today, settings.timezone)
    began = day_start(today, settings.timezone) if last_day == today else None
    return listing_stamp(
        request, (ItemKind.job.value,), session=session,
        key={"key": key, "week": issue.week, "last_day": last_day}, now=now, also=[began],
        per_day=False,
    )  # fmt: skip


@api_router.get(
    "/market",
    response_model=dict[str, Any],
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Market figures: day rates, roles, IR35 by week and quarter",
)
def api_market(
    request: Request,
    region: str | None = Query(
        None, description="ITL1 region: name or slug", json_schema_extra={"enum": region_values()}
    ),
    role: str | None = Query(
        None, description="Role family", json_schema_extra={"enum": [*ROLE_FAMILIES, ""]}
    ),
    week: str | None = Query(
        None, description="Up to this ISO week, e.g. 2026-W48", pattern=WEEK_PATTERN
    ),
    session: Session = Depends(reader),
) -> Response:
    """The figures behind every chart on /market (each with its role count and weeks). A
    current copy (If-None-Match, If-Modified-Since) is a 304, before they are counted."""
    region, role, last_day = market_filters(region, role, week)
    stamp = market_stamp(request, region, role, last_day, session=session)
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    figs = figures_of(request).market(session=session, region=region, role=role, today=last_day)
    return listing_response(request, JSONResponse(figures_json(figs)), stamp)
