"""The jobs board and job pages (with JobPosting JSON-LD)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from kil_feed.errors import ValidationError
from kil_feed.models import ItemKind
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import web as store
from kil_feed.timeutil import as_utc, latest, utcnow
from kil_feed.web.deps import (
    facets_of,
    invalid_listing,
    listing_pager,
    listing_response,
    listing_stamp,
    listing_unchanged,
    reader,
    render,
    settings_of,
)
from kil_feed.web.filters import (
    RowId,
    amount_text,
    check_range,
    choice_param,
    flag_param,
    named_param,
    page_param,
    rate_param,
    region_param,
    slugify,
)
from kil_feed.web.http import REVALIDATE, conditional
from kil_feed.web.jsonld import job_posting, script_json
from kil_feed.web.templating import query_string

router = APIRouter(include_in_schema=False)


JOB_SORTS = {"newest": "Newest first", "pay": "Highest pay first", "closing": "Closing soonest"}


@dataclass(frozen=True)
class JobFilters:
    """The jobs board's filters, read from a query string (pages and the jobs feed)."""

    region: str | None = None
    contract_type: str | None = None
    rate_min: float | None = None
    rate_max: float | None = None
    include_closed: bool = False
    sort: str = "newest"

    def storage(self) -> dict:
        """Keyword arguments for `storage.web.public_jobs`."""
        return asdict(self)

    def params(self) -> dict:
        """The filters as canonical link parameters (slugs, defaults left out)."""
        return {
            "region": slugify(self.region) if self.region else None,
            "contract_type": slugify(self.contract_type) if self.contract_type else None,
            "rate_min": amount_text(self.rate_min),
            "rate_max": amount_text(self.rate_max),
            "closed": "1" if self.include_closed else None,
            "sort": None if self.sort == "newest" else self.sort,
        }


def job_filters(request: Request, args: dict[str, str | None]) -> JobFilters:
    """Filters from the query string; a bad value raises ValidationError (422), as does a
    rate_min above rate_max."""
    rate_min = rate_param("rate_min", args.get("rate_min"))
    rate_max = rate_param("rate_max", args.get("rate_max"))
    check_range("rate_min", rate_min, "rate_max", rate_max)
    return JobFilters(
        region=region_param(args.get("region")),
        contract_type=named_param(args.get("contract_type"), facets_of(request).contract_types),
        rate_min=rate_min,
        rate_max=rate_max,
        include_closed=flag_param("closed", args.get("closed")),
        sort=choice_param("sort", args.get("sort"), JOB_SORTS) or "newest",
    )


@router.get("/jobs", response_class=HTMLResponse)
def jobs(
    request: Request,
    region: str | None = None,
    contract_type: str | None = None,
    rate_min: str | None = None,
    rate_max: str | None = None,
    closed: str | None = None,
    sort: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    size = settings_of(request).web.page_size
    facets = facets_of(request)
    now = utcnow()  # one moment for the board, its "closed" marks and its validators
    context: dict[str, Any] = {
        "regions": ITL1_REGIONS,
        "contract_types": facets.contract_types,
        "sources": facets.sources,
        "sorts": JOB_SORTS,
        "now": now,
    }
    try:
        filters = job_filters(request, dict(request.query_params))
        number = page_param(page)
    except ValidationError as exc:
        return invalid_listing(request, "jobs.html", context, exc)
    changed: list[datetime | None] = [facets.changed_at]  # its menus changed then
    shown: list[object] = [facets.digest]
    if filters.region:  # a region's jobs page: its trend lines (their stamp read first)
        changed.append(request.app.state.trends.changed_at)
        context["sparklines"] = request.app.state.trends.lines(filters.region)
        context["spark_weeks"] = request.app.state.trends.weeks
        shown += [tuple(context["sparklines"]), context["spark_weeks"]]
    stamp = listing_stamp(
        request, (ItemKind.job.value,), session=session, key={**filters.storage(), "page": number},
        now=now, shown=shown, also=changed,
    )  # fmt: skip
    if (cached := listing_unchanged(request, stamp, current=number == 1)) is not None:
        return cached
    result = store.public_jobs(
        session=session, limit=size, offset=(number - 1) * size, now=now, **filters.storage()
    )
    pager = listing_pager(number, size, result.total, result.capped, len(result.items))
    if number > 1 and (cached := listing_unchanged(request, stamp)) is not None:
        return cached  # the page exists: `*` and a date are answered now
    page_ = render(
        request,
        "jobs.html",
        {
            **context,
            "items": result.items,
            "pager": pager,
            "filters": filters,
            "by_date": filters.sort == "newest",
            "params": filters.params(),
            "feed_url": "/feeds/jobs.xml" + query_string(filters.params()),
        },
    )
    return listing_response(request, page_, stamp)


@router.get("/jobs/{item_id}", response_class=HTMLResponse)
def job(item_id: RowId, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    item = store.get_public_item(item_id, session=session, kind=ItemKind.job.value)
    source = facets_of(request).sources.get(item.source_id, "")
    settings = settings_of(request)
    page_url = f"{settings.base_url.rstrip('/')}/jobs/{item.id}"
    closed = item.closes_at is not None and as_utc(item.closes_at) < utcnow()  # type: ignore[operator]
    data = job_posting(item, organisation=source or "Keep it Local feed", page_url=page_url)
    page = render(
        request,
        "job.html",
        {"item": item, "source": source, "closed": closed, "jsonld": script_json(data)},
    )
    # a job page also changes when it closes
    changed = latest(item.updated_at, item.closes_at if closed else None)
    return conditional(request, page, changed, cache_control=REVALIDATE)  # type: ignore[return-value]
