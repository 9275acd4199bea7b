"""The JSON API (`/api/...`, documented at `/api/docs`): items, jobs and issues."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from kil_feed.models import Item, ItemKind
from kil_feed.storage import issues as issue_store
from kil_feed.storage import items as item_store
from kil_feed.storage import web as store
from kil_feed.web.deps import clean, reader, settings_of
from kil_feed.web.serialize import (
    IssueDetailOut,
    IssueListOut,
    ItemListOut,
    ItemOut,
    api_item_dict,
    issue_to_dict,
)
from newsletter.content import issue_content
from newsletter.render import Audience, sections_for

router = APIRouter(prefix="/api", tags=["archive"])


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


@router.get("/items", response_model=ItemListOut, summary="Approved news items")
def api_items(
    request: Request,
    topic: str | None = None,
    region: str | None = None,
    source: str | None = Query(None, description="Source name"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> dict:
    page = store.public_news(
        session=session, topic=clean(topic), region=clean(region), source=clean(source),
        limit=limit, offset=offset,
    )  # fmt: skip
    return _item_page(request, page, limit, offset, session=session)


@router.get("/items/{item_id}", response_model=ItemOut, summary="One approved item")
def api_item(item_id: int, request: Request, session: Session = Depends(reader)) -> dict:
    item = store.get_public_item(item_id, session=session)
    return _one_item(request, item, session=session)


@router.get("/jobs", response_model=ItemListOut, summary="Approved jobs (open ones by default)")
def api_jobs(
    request: Request,
    region: str | None = None,
    contract_type: str | None = None,
    rate_min: float | None = Query(None, ge=0, description="Lowest day rate (GBP)"),
    rate_max: float | None = Query(None, ge=0, description="Highest day rate (GBP)"),
    include_closed: bool = False,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
    session: Session = Depends(reader),
) -> dict:
    page = store.public_jobs(
        session=session, region=clean(region), contract_type=clean(contract_type),
        rate_min=rate_min, rate_max=rate_max, include_closed=include_closed,
        limit=limit, offset=offset,
    )  # fmt: skip
    return _item_page(request, page, limit, offset, session=session)


@router.get("/jobs/{item_id}", response_model=ItemOut, summary="One approved job")
def api_job(item_id: int, request: Request, session: Session = Depends(reader)) -> dict:
    item = store.get_public_item(item_id, session=session, kind=ItemKind.job.value)
    return _one_item(request, item, session=session)


@router.get("/issues", response_model=IssueListOut, summary="Sent issues, newest first")
def api_issues(request: Request, session: Session = Depends(reader)) -> dict:
    issues = store.sent_issues(session=session)
    return {"issues": [issue_to_dict(i, _base(request)) for i in issues]}


@router.get("/issues/{issue_id}", response_model=IssueDetailOut, summary="One sent issue")
def api_issue(issue_id: int, request: Request, session: Session = Depends(reader)) -> dict:
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
