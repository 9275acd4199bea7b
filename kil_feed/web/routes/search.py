"""Full-text search page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kil_feed.storage.search import search_items
from kil_feed.web.deps import Pager, clean, facets_of, reader, render, settings_of
from kil_feed.web.routes.pages import to_page

router = APIRouter(include_in_schema=False)
KINDS = {"news", "job"}


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> HTMLResponse:
    size = settings_of(request).web.page_size
    number = to_page(page)
    filters = {
        "kind": kind if kind in KINDS else None,
        "region": clean(region),
        "topic": clean(topic),
    }
    facets = facets_of(request)
    result = search_items(
        q or "", session=session, limit=size, offset=(number - 1) * size, **filters
    )
    return render(
        request,
        "search.html",
        {
            "q": (q or "")[:500],
            "result": result,
            "pager": Pager(number, size, result.total, result.capped),
            "filters": filters,
            "regions": facets.regions,
            "topics": facets.topics,
            "sources": facets.sources,
        },
    )
