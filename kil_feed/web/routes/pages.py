"""Home, the issue archive, an issue's web version, and the news listing."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import web as store
from kil_feed.timeutil import utcnow
from kil_feed.web.deps import Pager, clean, facets_of, reader, render, settings_of
from kil_feed.web.security import csrf_token
from newsletter.content import issue_content
from newsletter.render import Audience, sections_for

router = APIRouter(include_in_schema=False)


def to_page(value: str | None) -> int:
    """A page number from the query string; anything odd is page 1."""
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def subscribe_context(request: Request, session: Session) -> dict:
    """The signup form's choices: every known topic, whether or not items carry it yet."""
    return {
        "csrf": csrf_token(request, settings_of(request)),
        "all_regions": ITL1_REGIONS,
        "all_topics": request.app.state.topics.slugs,
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    issues = store.sent_issues(session=session, limit=1)
    news = store.top_news(session=session, since=utcnow() - timedelta(days=7), limit=6)
    if not news:
        news = store.public_news(session=session, limit=6).items
    jobs = store.public_jobs(session=session, limit=6).items
    return render(
        request,
        "home.html",
        {
            "latest_issue": issues[0] if issues else None,
            "news": news,
            "jobs": jobs,
            "sources": facets_of(request).sources,
            **subscribe_context(request, session),
        },
    )


@router.get("/issues", response_class=HTMLResponse)
def issues(request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    return render(request, "issues.html", {"issues": store.sent_issues(session=session)})


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def issue(issue_id: int, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    """The web version of an issue: the email's national view (no region, every topic).

    The cards, sections, order and "also reported by" come from the newsletter's own
    content selection, so the page and the email cannot drift apart.
    """
    found = store.get_sent_issue(issue_id, session=session)
    content = issue_content(issue_id, session=session, topics=request.app.state.topics)
    return render(
        request,
        "issue.html",
        {"issue": found, "sections": sections_for(content, Audience())},
    )


@router.get("/news", response_class=HTMLResponse)
def news(
    request: Request,
    topic: str | None = None,
    region: str | None = None,
    source: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> HTMLResponse:
    size = settings_of(request).web.page_size
    number = to_page(page)
    filters = {"topic": clean(topic), "region": clean(region), "source": clean(source)}
    facets = facets_of(request)
    known = (
        filters["topic"] in (None, *facets.topics)
        and filters["region"] in (None, *facets.regions)
        and filters["source"] in (None, *facets.source_list)
    )
    result = (
        store.public_news(session=session, limit=size, offset=(number - 1) * size, **filters)
        if known
        else store.ItemPage(items=[], total=0)
    )
    return render(
        request,
        "news.html",
        {
            "items": result.items,
            "pager": Pager(number, size, result.total, result.capped),
            "filters": filters,
            "topics": facets.topics,
            "regions": facets.regions,
            "source_list": facets.source_list,
            "sources": facets.sources,
        },
    )
