"""The jobs board and job pages (with JobPosting JSON-LD)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kil_feed.models import ItemKind
from kil_feed.storage import web as store
from kil_feed.timeutil import as_utc, utcnow
from kil_feed.web.deps import Pager, clean, facets_of, reader, render, settings_of
from kil_feed.web.http import conditional, latest
from kil_feed.web.jsonld import job_posting, script_json
from kil_feed.web.routes.pages import to_page

router = APIRouter(include_in_schema=False)


def to_rate(value: str | None) -> float | None:
    """A day rate from the query string (digits, maybe with £ or commas); else None."""
    text = (value or "").replace("£", "").replace(",", "").strip()
    try:
        rate = float(text)
    except ValueError:
        return None
    return rate if 0 <= rate < 1e7 else None


def job_filters(
    region: str | None,
    contract_type: str | None,
    rate_min: str | None,
    rate_max: str | None,
    closed: str | None,
) -> dict:
    return {
        "region": clean(region),
        "contract_type": clean(contract_type),
        "rate_min": to_rate(rate_min),
        "rate_max": to_rate(rate_max),
        "include_closed": (closed or "") in {"1", "on", "true", "yes"},
    }


@router.get("/jobs", response_class=HTMLResponse)
def jobs(
    request: Request,
    region: str | None = None,
    contract_type: str | None = None,
    rate_min: str | None = None,
    rate_max: str | None = None,
    closed: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> HTMLResponse:
    size = settings_of(request).web.page_size
    number = to_page(page)
    filters = job_filters(region, contract_type, rate_min, rate_max, closed)
    facets = facets_of(request)
    known = filters["region"] in (None, *facets.regions) and filters["contract_type"] in (
        None,
        *facets.contract_types,
    )
    result = (
        store.public_jobs(session=session, limit=size, offset=(number - 1) * size, **filters)
        if known  # an unknown region or contract type matches nothing: skip the query
        else store.ItemPage(items=[], total=0)
    )
    params = {
        "region": filters["region"],
        "contract_type": filters["contract_type"],
        "rate_min": rate_min if filters["rate_min"] is not None else None,
        "rate_max": rate_max if filters["rate_max"] is not None else None,
        "closed": "1" if filters["include_closed"] else None,
    }
    return render(
        request,
        "jobs.html",
        {
            "items": result.items,
            "pager": Pager(number, size, result.total, result.capped),
            "filters": filters,
            "params": params,
            "regions": facets.regions,
            "contract_types": facets.contract_types,
            "sources": facets.sources,
            "now": utcnow(),
        },
    )


@router.get("/jobs/{item_id}", response_class=HTMLResponse)
def job(item_id: int, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
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
    return conditional(request, page, changed)  # type: ignore[return-value]
