"""Procurement notices and buyers on the web: pages, Atom feeds and the JSON API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from crawler.ocds import BUYER_TYPE_LABELS, STAGES
from kil_feed.errors import ValidationError
from kil_feed.models import Buyer, Item, ItemKind
from kil_feed.notice_view import (
    STAGE_PHRASES,
    buyer_fields,
    notice_fields,
    notice_value,
    signal_line,
)
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import buyers as buyer_store
from kil_feed.storage import items as item_store
from kil_feed.storage import notices as store
from kil_feed.storage import web as web_store
from kil_feed.text import plain_text, plain_title
from kil_feed.timeutil import day_end, isoformat, utcnow
from kil_feed.web.deps import (
    ListingStamp,
    api_response,
    api_stamp,
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
    choice_param,
    clean,
    named_param,
    page_param,
    region_param,
    restricted,
    slugify,
)
from kil_feed.web.routes.api import REGION
from kil_feed.web.serialize import CONDITIONAL_REQUEST, INVALID, NOT_FOUND, VALIDATED
from kil_feed.web.templating import query_string

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["notices"], responses=INVALID)
FEED_SIZE = 50
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
STAGES_LITERAL = tuple(STAGES)
BUYER_TYPES_LITERAL = tuple(BUYER_TYPE_LABELS)
# value bands of the /notices filter: (label, min, max) in GBP
VALUE_BANDS = {
    "under-100k": ("Under £100,000", None, 100_000.0),
    "100k-1m": ("£100,000 to £1m", 100_000.0, 1_000_000.0),
    "1m-10m": ("£1m to £10m", 1_000_000.0, 10_000_000.0),
    "over-10m": ("Over £10m", 10_000_000.0, None),
}


def _date(value: str | None, tz: str) -> datetime | None:
    """The end of a YYYY-MM-DD day (RFC 3339's full-date, as the OpenAPI document says) in
    `tz` (the configured zone), as UTC; None when left out; else a ValidationError."""
    text = restricted("closing_before", value)
    if text is None:
        return None
    try:  # the pattern first: strptime takes 2026-7-1, fromisoformat 20260701 and 2026-W27
        if not ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"invalid closing_before: {text[:40]!r}", hint="use a date as YYYY-MM-DD"
        ) from None
    return day_end(day, tz)


def notice_filters(
    region: str | None,
    stage: str | None,
    buyer_type: str | None,
    cpv: str | None,
    value: str | None,
    closing_before: str | None,
    *,
    tz: str,
) -> dict[str, Any]:
    """Filters from the query string (names or slugs); a bad value is a ValidationError
    (the page answers 422, as every listing does)."""
    band_key = choice_param("value", value, VALUE_BANDS)
    band = VALUE_BANDS[band_key] if band_key else None
    code = (restricted("cpv", cpv) or "").replace("-", "")
    if code and not (code.isascii() and code.isdigit() and len(code) <= 8):  # not "²"
        raise ValidationError(f"invalid cpv: {code[:40]!r}", hint="use a CPV code or its prefix")
    return {
        "region": region_param(region),
        "stage": choice_param("stage", stage, STAGES),
        "buyer_type": choice_param("buyer_type", buyer_type, BUYER_TYPE_LABELS),
        "cpv": code or None,
        "value_min": band[1] if band else None,
        "value_max": band[2] if band else None,
        "closing_before": _date(closing_before, tz),
    }


def _page_of(session: Session, filters: dict[str, Any], limit: int, offset: int) -> Any:
    return store.public_notices(session=session, limit=limit, offset=offset, **filters)


@router.get("/notices", response_class=HTMLResponse)
def notices(
    request: Request,
    region: str | None = None,
    stage: str | None = None,
    buyer_type: str | None = None,
    cpv: str | None = None,
    value: str | None = None,
    closing_before: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    size = settings_of(request).web.page_size
    context = {
        "regions": ITL1_REGIONS,
        "stages": STAGES,
        "buyer_types": BUYER_TYPE_LABELS,
        "value_bands": {k: v[0] for k, v in VALUE_BANDS.items()},
        "phrases": STAGE_PHRASES,
        "fields": {},
    }
    try:
        filters = notice_filters(
            region, stage, buyer_type, cpv, value, closing_before, tz=settings_of(request).timezone
        )
        number = page_param(page)
    except ValidationError as exc:
        return invalid_listing(request, "notices.html", context, exc)
    params = {
        "region": filters["region"],
        "stage": filters["stage"],
        "buyer_type": filters["buyer_type"],
        "cpv": filters["cpv"],
        "value": clean(value),
        "closing_before": closing_before if filters["closing_before"] else None,
    }
    key = {**filters, **{f"param_{k}": v for k, v in params.items()}, "page": number}
    kinds = (ItemKind.notice.value,)
    stamp = listing_stamp(request, kinds, session=session, key=key, now=utcnow())
    if (cached := listing_unchanged(request, stamp, current=number == 1)) is not None:
        return cached
    result = _page_of(session, filters, size, (number - 1) * size)
    pager = listing_pager(number, size, result.total, result.capped, len(result.items))
    if number > 1 and (cached := listing_unchanged(request, stamp)) is not None:
        return cached  # the page exists: `*` and a date are answered now
    page_ = render(
        request,
        "notices.html",
        {
            **context,
            "items": result.items,
            "pager": pager,
            "filters": filters,
            "params": params,
            "fields": {i.id: notice_fields(i) for i in result.items},
        },
    )
    return listing_response(request, page_, stamp)


@router.get("/notices/{item_id}", response_class=HTMLResponse)
def notice(item_id: RowId, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    item = web_store.get_public_item(item_id, session=session, kind="notice")
    fields = notice_fields(item)
    buyer = buyer_store.find_buyer(item.buyer_key, session=session)
    found = buyer_store.buyer_items(buyer, session=session, limit=5, public=True) if buyer else None
    timeline = [
        {**entry, "stage": _stage_of_tags(entry.get("tag") or [])}
        for entry in (item.extra or {}).get("history") or []
    ]
    return render(
        request,
        "notice.html",
        {
            "item": item,
            "fields": fields,
            "value": notice_value(fields),
            "buyer": buyer,
            "found": found,
            "timeline": timeline,
            "phrases": STAGE_PHRASES,
            "buyer_types": BUYER_TYPE_LABELS,
            "signal": signal_line(item, len(found.jobs), len(found.news)) if found else None,
        },
    )


def _stage_of_tags(tags: list[str]) -> str:
    from crawler.ocds.fields import stage_for

    return stage_for(tags, None, {})


BUYER_SORTS = {"activity": "Latest activity", "name": "Name (A to Z)", "busiest": "Most notices"}


def buyers_stamp(
    request: Request, key: dict[str, Any], *, session: Session, per_day: bool = True
) -> ListingStamp:
    """The buyers index's validators, known before its query (`listing_stamp`): the
    listing version of every kind it counts (a job closing too), the buyers table
    (`buyers_changed`: a rename, a delete, an insert by hand too), as /api/notices stamps
    it, and when the last story left its news window. `per_day` False for /api/buyers."""
    now = utcnow()
    kinds = (ItemKind.notice.value, ItemKind.job.value, ItemKind.news.value)
    buyers = buyer_store.buyers_changed(session=session)
    aged = buyer_store.news_left_window(session=session, now=now)
    return listing_stamp(
        request, kinds, session=session, key=key, now=now, shown=[buyers, aged],
        also=[buyers, aged], per_day=per_day,
    )  # fmt: skip


@router.get("/buyers", response_class=HTMLResponse)
def buyers(
    request: Request,
    q: str | None = None,
    sort: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    """Every buyer with a published item: searchable by name, sortable, with its counts."""
    size = settings_of(request).web.page_size
    context: dict[str, Any] = {
        "sorts": BUYER_SORTS, "q": clean(q) or "", "buyer_types": BUYER_TYPE_LABELS
    }  # fmt: skip
    try:
        order = choice_param("sort", sort, BUYER_SORTS) or "activity"
        number = page_param(page)
        query = clean(q)
        if query and len(query) > 200:
            raise ValidationError("invalid q: longer than 200 characters", hint="use fewer words")
    except ValidationError as exc:
        return invalid_listing(request, "buyers.html", context, exc)
    params = {"q": query, "sort": None if order == "activity" else order}
    stamp = buyers_stamp(request, {**params, "page": number}, session=session)
    if (cached := listing_unchanged(request, stamp, current=number == 1)) is not None:
        return cached
    found = buyer_store.buyer_listing(
        session=session, query=query, sort=order, public=True, limit=size,
        offset=(number - 1) * size, now=stamp.now,
    )  # fmt: skip
    pager = listing_pager(number, size, found.total, False, len(found.rows))
    if number > 1 and (cached := listing_unchanged(request, stamp)) is not None:
        return cached  # the page exists: `*` and a date are answered now
    page_ = render(
        request,
        "buyers.html",
        {
            **context,
            "items": found.rows,
            "pager": pager,
            "params": params,
            "sort": order,
            "by_date": order == "activity",
        },
    )
    return listing_response(request, page_, stamp)


@router.get("/buyers/{slug}", response_class=HTMLResponse)
def buyer_page(slug: str, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    buyer = buyer_store.get_buyer(slug, session=session)
    # its published items, as /buyers counts them (approved ones in the query: filtered
    # after it, a buyer's newest 50 held back the approved ones behind pending ones)
    found = buyer_store.buyer_items(buyer, session=session, public=True)
    return render(
        request,
        "buyer.html",
        {
            "buyer": buyer,
            "notices": found.notices,
            "jobs": found.jobs,
            "news": found.news,
            "fields": {i.id: notice_fields(i) for i in found.notices},
            "phrases": STAGE_PHRASES,
            "buyer_types": BUYER_TYPE_LABELS,
        },
    )


# --- Atom feeds ------------------------------------------------------------------------------


@router.get("/feeds/notices.xml")
def notices_feed(
    request: Request,
    region: str | None = None,
    topic: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    """Approved notices, optionally of one region and one topic, newest first."""
    from kil_feed.web.routes.feeds import atom_response, item_entries, site_base

    region = region_param(region)
    topic = named_param(topic, facets_of(request).topics)
    items = store.public_notices(session=session, region=region, topic=topic, limit=FEED_SIZE).items
    base = site_base(request)
    entries = item_entries(items, base, item_store.source_names(session=session))
    for entry, item in zip(entries, items, strict=True):
        entry.link = f"{base}/notices/{item.id}"
    title = " · ".join(t for t in ("Procurement notices", region, topic) if t)
    # slugs, URL-encoded: the feed's id and links must be IRIs ("region=North East" is not)
    query = query_string({"region": region and slugify(region), "topic": topic and slugify(topic)})
    path, alternate = "/feeds/notices.xml" + query, "/notices" + query
    changed = web_store.listing_changed((ItemKind.notice.value,), session=session)
    return atom_response(request, title, path, alternate, entries, changed)


# --- JSON API --------------------------------------------------------------------------------


class BuyerOut(BaseModel):
    slug: str
    name: str
    identifier: str | None = None
    scheme: str | None = None
    buyer_type: str | None = None
    region: str | None = None
    local_authority_code: str | None = None
    web_url: str


class NoticeOut(BaseModel):
    id: int
    title: str
    url: str
    web_url: str
    summary: str
    published_at: str | None = None
    closes_at: str | None = None
    regions: list[str] = []
    topics: list[str] = []
    buyer: str | None = None
    buyer_slug: str | None = None
    notice: dict[str, Any]
    history: list[dict[str, Any]] = []


class NoticeListOut(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[NoticeOut]


class BuyerSummaryOut(BuyerOut):
    notices: int = Field(description="Published notices of the buyer")
    awards: int = Field(description="Of those, notices at the award or contract stage")
    jobs: int = Field(description="Open published jobs whose employer it is")
    news: int = Field(
        description="Its published stories of the last 90 days (at most 50), as its page lists them"
    )
    last_activity: str | None = Field(None, description="Its newest item's publication")


class BuyerListOut(BaseModel):
    total: int
    limit: int
    offset: int
    sort: str
    buyers: list[BuyerSummaryOut]


def buyer_dict(buyer: Buyer, base: str) -> dict[str, Any]:
    return {**buyer_fields(buyer), "web_url": f"{base}/buyers/{buyer.slug}"}


def buyer_summary_dict(row: buyer_store.BuyerSummary, base: str) -> dict[str, Any]:
    counts = {"notices": row.notices, "awards": row.awards, "jobs": row.jobs, "news": row.news}
    return {**buyer_dict(row.buyer, base), **counts, "last_activity": isoformat(row.last_activity)}


def notice_dict(item: Item, base: str, slugs: dict[str, str]) -> dict[str, Any]:
    fields = notice_fields(item)
    fields.pop("description", None)  # long: read it on the notice page
    return {
        "id": item.id,
        "title": plain_title(item.title),
        "url": item.url,
        "web_url": f"{base}/notices/{item.id}",
        "summary": plain_text(item.summary),
        "published_at": isoformat(item.published_at),
        "closes_at": isoformat(item.closes_at),
        "regions": list(item.regions or []),
        "topics": list(item.topics or []),
        "buyer": item.employer,
        "buyer_slug": slugs.get(item.buyer_key or ""),
        "notice": fields,
        "history": list((item.extra or {}).get("history") or []),
    }


def _slugs(items: list[Item], session: Session) -> dict[str, str]:
    keys = {i.buyer_key for i in items if i.buyer_key}
    out = {}
    for key in keys:
        buyer = buyer_store.find_buyer(key, session=session)
        if buyer is not None:
            out[key] = buyer.slug
    return out


@api.get(
    "/notices",
    response_model=NoticeListOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Approved procurement notices",
)
def api_notices(
    request: Request,
    region: str | None = REGION,
    stage: Literal[STAGES_LITERAL] | None = Query(None, description="Lifecycle stage"),  # type: ignore[valid-type]
    buyer_type: Literal[BUYER_TYPES_LITERAL] | None = Query(None, description="Buyer type"),  # type: ignore[valid-type]
    cpv: str | None = Query(None, pattern=r"^[0-9]{1,8}$", description="CPV code prefix"),
    value: Literal["under-100k", "100k-1m", "1m-10m", "over-10m"] | None = Query(
        None, description="Value band (GBP)"
    ),
    # a string read as the page reads it: a pydantic date also took 0.0 (a Unix time) and
    # 2026-07-01T00:00:00, where the page answers 422
    closing_before: str | None = Query(
        None,
        description="Closing by the end of this day (YYYY-MM-DD), UK time",
        json_schema_extra={"format": "date"},
    ),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> Response:
    """A current copy (If-None-Match, If-Modified-Since) is a 304, with no listing query.
    Its buyers' slugs are the buyers table's: a buyer added, renamed or deleted moves it."""
    filters = notice_filters(
        region,
        stage,
        buyer_type,
        cpv,
        value,
        closing_before,
        tz=settings_of(request).timezone,
    )
    buyers = buyer_store.buyers_changed(session=session)  # inserts and deletes move it too
    stamp = api_stamp(
        request, ItemKind.notice.value, filters, limit, offset, session=session,
        shown=[buyers], also=[buyers],
    )  # fmt: skip
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    page = _page_of(session, filters, limit, offset)
    base = settings_of(request).base_url.rstrip("/")
    slugs = _slugs(list(page.items), session)
    items = [notice_dict(i, base, slugs) for i in page.items]
    body = {"total": page.total, "limit": limit, "offset": offset, "items": items}
    return api_response(request, NoticeListOut, body, stamp)


@api.get(
    "/notices/{item_id}",
    response_model=NoticeOut,
    responses=NOT_FOUND,
    summary="One approved notice",
)
def api_notice(item_id: RowId, request: Request, session: Session = Depends(reader)) -> dict:
    item = web_store.get_public_item(item_id, session=session, kind="notice")
    base = settings_of(request).base_url.rstrip("/")
    return notice_dict(item, base, _slugs([item], session))


@api.get(
    "/buyers",
    response_model=BuyerListOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Buyers with published items, with counts",
)
def api_buyers(
    request: Request,
    q: str | None = Query(None, max_length=200, description="Only names containing this"),
    sort: Literal["busiest", "name", "activity"] = Query(
        "busiest", description="most notices first, by name, or the latest activity first"
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> Response:
    """The JSON twin of `/buyers` (its counts, its search). A current copy (If-None-Match,
    If-Modified-Since) is a 304, with no buyers query."""
    query = clean(q)
    key = {"q": query, "sort": sort, "limit": limit, "offset": offset}
    stamp = buyers_stamp(request, key, session=session, per_day=False)
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    base = settings_of(request).base_url.rstrip("/")
    found = buyer_store.buyer_listing(
        session=session, query=query, sort=sort, public=True, limit=limit, offset=offset,
        now=stamp.now,
    )  # fmt: skip
    body = {
        "total": found.total, "limit": limit, "offset": offset, "sort": sort,
        "buyers": [buyer_summary_dict(r, base) for r in found.rows],
    }  # fmt: skip
    return api_response(request, BuyerListOut, body, stamp)


@api.get("/buyers/{slug}", response_model=BuyerOut, responses=NOT_FOUND, summary="One buyer")
def api_buyer(
    request: Request,
    slug: str = Path(pattern=r"^[a-z0-9-]{1,200}$", description="The buyer's slug"),
    session: Session = Depends(reader),
) -> dict:
    buyer = buyer_store.get_buyer(slug, session=session)
    return buyer_dict(buyer, settings_of(request).base_url.rstrip("/"))
