"""Home, the issue archive, an issue's web version, and the news listing."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from kil_feed.errors import ValidationError
from kil_feed.models import ItemKind
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import web as store
from kil_feed.timeutil import latest, utcnow
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
from kil_feed.web.filters import RowId, named_param, page_param, region_param, slugify
from kil_feed.web.http import REVALIDATE, conditional
from kil_feed.web.security import csrf_token
from newsletter.content import issue_content
from newsletter.pulse import stored_pulse
from newsletter.render import Audience, sections_for

router = APIRouter(include_in_schema=False)


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
def issue(issue_id: RowId, request: Request, session: Session = Depends(reader)) -> HTMLResponse:
    """The web version of an issue: the email's national view (no region, every topic).

    The cards, sections, order and "also reported by" come from the newsletter's own
    content selection, so the page and the email cannot drift apart.
    """
    found = store.get_sent_issue(issue_id, session=session)
    content = issue_content(issue_id, session=session, topics=request.app.state.topics)
    pulse = stored_pulse(settings_of(request), issue_id, session=session)  # what was mailed
    page = render(
        request,
        "issue.html",
        {
            "issue": found,
            "intro_paragraphs": content.intro_paragraphs,  # as the email shows the intro
            "sections": sections_for(content, Audience(), pulse),
        },
    )
    changed = latest(found.sent_at, found.updated_at)
    return conditional(request, page, changed, cache_control=REVALIDATE)  # type: ignore[return-value]


@router.get("/news", response_class=HTMLResponse)
def news(
    request: Request,
    topic: str | None = None,
    region: str | None = None,
    source: str | None = None,
    page: str | None = None,
    session: Session = Depends(reader),
) -> Response:
    size = settings_of(request).web.page_size
    facets = facets_of(request)
    context = {
        "topics": facets.topics,
        "regions": ITL1_REGIONS,
        "source_list": facets.source_list,
        "sources": facets.sources,
    }
    try:
        number = page_param(page)
        filters = {
            "topic": named_param(topic, facets.topics),
            "region": region_param(region),
            "source": named_param(source, facets.source_list),
        }
    except ValidationError as exc:
        return invalid_listing(request, "news.html", context, exc)
    params = {k: slugify(v) if v else None for k, v in filters.items()}
    kinds = (ItemKind.news.value,)
    stamp = listing_stamp(
        request, kinds, session=session, key={**filters, "page": number}, now=utcnow(),
        shown=[facets.digest], also=[facets.changed_at],
    )  # fmt: skip
    if (cached := listing_unchanged(request, stamp, current=number == 1)) is not None:
        return cached
    result = store.public_news(session=session, limit=size, offset=(number - 1) * size, **filters)
    pager = listing_pager(number, size, result.total, result.capped, len(result.items))
    if number > 1 and (cached := listing_unchanged(request, stamp)) is not None:
        return cached  # the page exists: `*` and a date are answered now
    shown = render(
        request,
        "news.html",
        {**context, "items": result.items, "pager": pager, "filters": filters, "params": params},
    )
    return listing_response(request, shown, stamp)
