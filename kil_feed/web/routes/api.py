"""The JSON API (`/api/...`, documented at `/api/docs`): items, jobs and issues."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from kil_feed.models import Item, ItemKind
from kil_feed.storage import issues as issue_store
from kil_feed.storage import items as item_store
from kil_feed.storage import web as store
from kil_feed.storage.search import search_items
from kil_feed.timeutil import utcnow
from kil_feed.web.deps import (
    api_response,
    api_stamp,
    facets_of,
    listing_stamp,
    listing_unchanged,
    reader,
    settings_of,
)
from kil_feed.web.filters import (
    MAX_RATE,
    RowId,
    check_range,
    named_param,
    region_param,
    region_values,
)
from kil_feed.web.serialize import (
    CONDITIONAL_REQUEST,
    INVALID,
    NOT_FOUND,
    VALIDATED,
    IssueDetailOut,
    IssueListOut,
    ItemListOut,
    ItemOut,
    SearchOut,
    api_item_dict,
    issue_to_dict,
)
from newsletter.content import issue_content
from newsletter.render import Audience, sections_for

REGION = Query(
    None,
    description="ITL1 region: its name (any case) or slug",
    json_schema_extra={"enum": region_values()},
)
router = APIRouter(prefix="/api", tags=["archive"], responses=INVALID)


def _base(request: Request) -> str:
    return settings_of(request).base_url


def _item_page(
    request: Request, page: store.ItemPage, limit: int, offset: int, *, session: Session
) -> dict:
    """A page of items as the list endpoints answer it."""
    names = item_store.source_names(session=session)
    items = [api_item_dict(i, _base(request), names.get(i.source_id)) for i in page.items]
    return {"total": page.total, "limit": limit, "offset": offset, "items": items}


def _one_item(request: Request, item: Item, *, session: Session) -> dict:
    names = item_store.source_names(session=session)
    return api_item_dict(item, _base(request), names.get(item.source_id))


@router.get(
    "/items",
    response_model=ItemListOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Approved news items",
)
def api_items(
    request: Request,
    topic: str | None = None,
    region: str | None = REGION,
    source: str | None = Query(None, description="Source name"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> Response:
    """A current copy (If-None-Match, If-Modified-Since) is a 304, with no listing query."""
    facets = facets_of(request)
    filters = {
        "topic": named_param(topic, facets.topics),
        "region": region_param(region),
        "source": named_param(source, facets.source_list),
    }
    stamp = api_stamp(request, ItemKind.news.value, filters, limit, offset, session=session)
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    page = store.public_news(session=session, limit=limit, offset=offset, **filters)
    body = _item_page(request, page, limit, offset, session=session)
    return api_response(request, ItemListOut, body, stamp)


@router.get(
    "/items/{item_id}", response_model=ItemOut, responses=NOT_FOUND, summary="One approved item"
)
def api_item(item_id: RowId, request: Request, session: Session = Depends(reader)) -> dict:
    item = store.get_public_item(item_id, session=session)
    return _one_item(request, item, session=session)


@router.get(
    "/jobs",
    response_model=ItemListOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Approved jobs (open ones by default)",
)
def api_jobs(
    request: Request,
    region: str | None = REGION,
    contract_type: str | None = None,
    rate_min: float | None = Query(
        None, ge=0, lt=MAX_RATE, description="Lowest day rate (GBP), at most rate_max"
    ),
    rate_max: float | None = Query(
        None, ge=0, lt=MAX_RATE, description="Highest day rate (GBP), at least rate_min"
    ),
    include_closed: bool = False,
    sort: Literal["newest", "pay", "closing"] = Query(
        "newest", description="newest first, highest pay first (as a day rate), closing soonest"
    ),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> Response:
    """A rate_min above rate_max is a 422 (it would match nothing). A current copy
    (If-None-Match, If-Modified-Since) is a 304, with no listing query."""
    check_range("rate_min", rate_min, "rate_max", rate_max)
    filters = {
        "region": region_param(region),
        "contract_type": named_param(contract_type, facets_of(request).contract_types),
        "rate_min": rate_min, "rate_max": rate_max, "include_closed": include_closed,
        "sort": sort,
    }  # fmt: skip
    now = utcnow()  # one moment for the board's closed jobs and its validators
    stamp = api_stamp(request, ItemKind.job.value, filters, limit, offset, session=session, now=now)
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    page = store.public_jobs(session=session, limit=limit, offset=offset, now=now, **filters)
    body = _item_page(request, page, limit, offset, session=session)
    return api_response(request, ItemListOut, body, stamp)


@router.get(
    "/jobs/{item_id}", response_model=ItemOut, responses=NOT_FOUND, summary="One approved job"
)
def api_job(item_id: RowId, request: Request, session: Session = Depends(reader)) -> dict:
    item = store.get_public_item(item_id, session=session, kind=ItemKind.job.value)
    return _one_item(request, item, session=session)


@router.get(
    "/search",
    response_model=SearchOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Full-text search over approved items",
)
def api_search(
    request: Request,
    q: str = Query(..., min_length=1, max_length=500, description="Words to find"),
    kind: Literal["news", "job", "notice"] | None = None,
    region: str | None = REGION,
    topic: str | None = Query(None, description="Topic name or slug"),
    sort: Literal["relevance", "newest"] = "relevance",
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> Response:
    """Titles weigh most, then employer and location, then summaries; a place name also
    finds items tagged with its region. A current copy (If-None-Match, If-Modified-Since)
    is a 304, with no search: its stamp is the listing version of the kinds it searches."""
    filters = {
        "q": q, "kind": kind, "region": region_param(region),
        "topic": named_param(topic, facets_of(request).topics), "sort": sort,
    }  # fmt: skip
    kinds = (kind,) if kind else tuple(k.value for k in ItemKind)
    stamp = api_stamp(request, kinds, filters, limit, offset, session=session)
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    result = search_items(
        q, session=session, kind=kind, region=filters["region"], topic=filters["topic"],
        sort=sort, limit=limit, offset=offset,
    )  # fmt: skip
    names = item_store.source_names(session=session)
    items = [
        api_item_dict(h.item, _base(request), names.get(h.item.source_id)) for h in result.hits
    ]
    body = {"query": result.query, "total": result.total, "limit": limit, "offset": offset,
            "sort": sort, "ignored": result.ignored, "items": items}  # fmt: skip
    return api_response(request, SearchOut, body, stamp)


@router.get(
    "/issues",
    response_model=IssueListOut,
    responses=VALIDATED,
    openapi_extra=CONDITIONAL_REQUEST,
    summary="Sent issues, newest first",
)
def api_issues(request: Request, session: Session = Depends(reader)) -> Response:
    """A current copy (If-None-Match, If-Modified-Since) is a 304, with no issues query:
    its stamp is the sent issues' count, newest id and last change."""
    version = store.issues_version(session=session)
    stamp = listing_stamp(
        request, (), session=session, key={}, now=utcnow(), shown=[version],
        also=[version.updated, version.sent], per_day=False,
    )  # fmt: skip
    if (cached := listing_unchanged(request, stamp)) is not None:
        return cached
    issues = store.sent_issues(session=session)
    body = {"issues": [issue_to_dict(i, _base(request)) for i in issues]}
    return api_response(request, IssueListOut, body, stamp)


@router.get(
    "/issues/{issue_id}",
    response_model=IssueDetailOut,
    responses=NOT_FOUND,
    summary="One sent issue",
)
def api_issue(issue_id: RowId, request: Request, session: Session = Depends(reader)) -> dict:
    """The issue as its web page shows it (the national email): the same sections, titles,
    cards and order, from the newsletter's own content; dropped items are not in it."""
    issue = store.get_sent_issue(issue_id, session=session)
    shown = sections_for(issue_content(issue_id, session=session), Audience())
    ids = [card.item_id for section in shown for card in section.cards]
    items = issue_store.items_by_ids(ids, session=session)
    names = item_store.source_names(session=session)
    sections: dict[str, list[dict]] = {}
    for section in shown:
        sections.setdefault(section.title, []).extend(
            api_item_dict(items[c.item_id], _base(request), names.get(items[c.item_id].source_id))
            for c in section.cards
        )
    return {**issue_to_dict(issue, _base(request)), "sections": sections}
