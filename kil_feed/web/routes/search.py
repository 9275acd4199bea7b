"""Full-text search page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kil_feed.errors import ValidationError
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage.search import search_items
from kil_feed.timeutil import utcnow
from kil_feed.web.deps import facets_of, invalid_listing, listing_pager, reader, render, settings_of
from kil_feed.web.filters import choice_param, named_param, page_param, region_param, slugify

router = APIRouter(include_in_schema=False)
KINDS = ("news", "job", "notice")
SEARCH_SORTS = {"relevance": "Best match", "newest": "Newest first"}


def search_filters(request: Request, args: dict[str, str | None]) -> dict:
    """kind, region, topic and sort from the query string (ValidationError when bad)."""
    return {
        "kind": choice_param("kind", args.get("kind"), KINDS),
        "region": region_param(args.get("region")),
        "topic": named_param(args.get("topic"), facets_of(request).topics),
        "sort": choice_param("sort", args.get("sort"), SEARCH_SORTS) or "relevance",
    }


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    sort: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> HTMLResponse:
    size = settings_of(request).web.page_size
    facets = facets_of(request)
    context = {
        "q": (q or "")[:500],
        "regions": ITL1_REGIONS,
        "topics": facets.topics,
        "sources": facets.sources,
        "sorts": SEARCH_SORTS,
    }
    try:
        filters = search_filters(request, dict(request.query_params))
        number = page_param(page)
    except ValidationError as exc:
        return invalid_listing(request, "search.html", {**context, "result": None}, exc)
    result = search_items(
        q or "", session=session, limit=size, offset=(number - 1) * size, **filters
    )
    params = {
        "kind": filters["kind"],
        "region": slugify(filters["region"]) if filters["region"] else None,
        "topic": slugify(filters["topic"]) if filters["topic"] else None,
        "sort": None if filters["sort"] == "relevance" else filters["sort"],
        "q": result.query,
    }
    pager = listing_pager(number, size, result.total, result.capped, len(result.hits))
    return render(
        request,
        "search.html",
        {
            **context,
            "result": result,
            "pager": pager,
            "filters": filters,
            "by_date": filters["sort"] == "newest",
            "params": params,
            "now": utcnow(),
        },
    )
