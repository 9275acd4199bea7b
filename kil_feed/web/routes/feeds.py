"""Atom feeds (issues, news, jobs, per topic and per region), sitemap.xml and robots.txt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlmodel import Session

from kil_feed.errors import NotFoundError
from kil_feed.models import Item, ItemKind
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import items as item_store
from kil_feed.storage import web as store
from kil_feed.text import plain_intro, plain_text, plain_title
from kil_feed.timeutil import isoformat, latest
from kil_feed.web.atom import Entry, atom_feed
from kil_feed.web.deps import reader, settings_of
from kil_feed.web.filters import pick, slugify
from kil_feed.web.http import REVALIDATE, conditional
from kil_feed.web.routes.jobs import job_filters
from kil_feed.web.serialize import issue_title, item_link, page_path
from kil_feed.web.templating import query_string, sanitize

router = APIRouter(include_in_schema=False)
ATOM = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
NEWS, JOBS, NOTICES = (ItemKind.news.value,), (ItemKind.job.value,), (ItemKind.notice.value,)


def site_base(request: Request) -> str:
    return settings_of(request).base_url.rstrip("/")


def item_entries(items: Sequence[Item], base: str, sources: dict[int, str]) -> list[Entry]:
    entries = []
    for item in items:
        link = item_link(item, base)
        entries.append(
            Entry(
                id=f"{base}/items/{item.id}",
                title=plain_title(item.title),
                link=link,
                updated=item.published_at or item.collected_at,
                summary=plain_text(item.summary),
                content_html=str(sanitize(item.body_html)) if item.body_html else "",
                author=item.employer or sources.get(item.source_id),
                categories=tuple(item.topics or []) + tuple(item.regions or []),
            )
        )
    return entries


def atom_response(
    request: Request,
    title: str,
    path: str,
    alternate: str,
    entries: list[Entry],
    changed: datetime | None,
) -> Response:
    base = site_base(request)
    body = atom_feed(
        feed_id=f"{base}{path}",
        title=f"{title} · Keep it Local feed",
        self_url=f"{base}{path}",
        alternate_url=f"{base}{alternate}",
        entries=entries,
        empty_updated=changed,
    )
    # `no-cache`: with Last-Modified alone a cache served a feed unasked, missing new items
    return conditional(request, Response(body, media_type=ATOM), changed, cache_control=REVALIDATE)


@router.get("/feeds/issues.xml")
def issues_feed(request: Request, session: Session = Depends(reader)) -> Response:
    base = site_base(request)
    issues = store.sent_issues(session=session, limit=FEED_SIZE)
    entries = [
        Entry(
            id=f"{base}/issues/{i.id}",
            title=issue_title(i),
            link=f"{base}/issues/{i.id}",
            updated=i.sent_at or i.updated_at,
            summary=plain_intro(i.intro),
        )
        for i in issues
    ]
    changed = latest(*(i.sent_at for i in issues), *(i.updated_at for i in issues))
    return atom_response(request, "Issues", "/feeds/issues.xml", "/issues", entries, changed)


@router.get("/feeds/news.xml")
def news_feed(request: Request, session: Session = Depends(reader)) -> Response:
    items = store.public_news(session=session, limit=FEED_SIZE).items
    entries = item_entries(items, site_base(request), item_store.source_titles(session=session))
    changed = store.listing_changed(NEWS, session=session)
    return atom_response(request, "News", "/feeds/news.xml", "/news", entries, changed)


@router.get("/feeds/jobs.xml")
def jobs_feed(request: Request, session: Session = Depends(reader)) -> Response:
    """The jobs board as a feed, with the board's filters (a saved search to follow)."""
    filters = job_filters(request, dict(request.query_params))
    items = store.public_jobs(session=session, limit=FEED_SIZE, **filters.storage()).items
    entries = item_entries(items, site_base(request), item_store.source_titles(session=session))
    query = query_string(filters.params())
    title = "Jobs" + (f" in {filters.region}" if filters.region else "")
    path, alternate = "/feeds/jobs.xml" + query, "/jobs" + query
    changed = store.listing_changed(JOBS, session=session)
    return atom_response(request, title, path, alternate, entries, changed)


def _feed_tag(request: Request, kind: str, slug: str, known: Iterable[str]) -> str | Response:
    """The known topic or region a feed path names, or a 301 to its canonical path when it
    names one in another spelling (`Outsourcing.XML`, `North%20West.xml`, no `.xml`): one
    URL per feed, so a reader's subscription and its cache settle on it. The Location is
    relative, as the trailing-slash redirect's. A value outside the configured list is a
    404; one in it with no items yet is an empty feed, not a 404."""
    name = slug[: -len(".xml")] if slug.casefold().endswith(".xml") else slug
    value = pick(name, known)
    if value is None:
        raise NotFoundError(f"no {kind} called {name[:80]!r}")
    canonical = f"{slugify(value)}.xml"
    if slug == canonical:
        return value
    path = request.scope["path"]
    location = "/" + (path[: len(path) - len(slug)] + canonical).lstrip("/")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return RedirectResponse(location + (f"?{query}" if query else ""), status_code=301)


@router.get("/feeds/topic/{slug}")
def topic_feed(slug: str, request: Request, session: Session = Depends(reader)) -> Response:
    """News on one known topic (a tag outside the topic list has no feed)."""
    catalog = request.app.state.topics
    topic = _feed_tag(request, "topic", slug, catalog.slugs)
    if isinstance(topic, Response):
        return topic
    items = store.public_news(session=session, topic=topic, limit=FEED_SIZE).items
    entries = item_entries(items, site_base(request), item_store.source_titles(session=session))
    path = f"/feeds/topic/{slugify(topic)}.xml"
    label = catalog.label(topic)
    alternate = f"/news?topic={slugify(topic)}"
    changed = store.listing_changed(NEWS, session=session)
    return atom_response(request, f"News on {label}", path, alternate, entries, changed)


@router.get("/feeds/region/{slug}")
def region_feed(slug: str, request: Request, session: Session = Depends(reader)) -> Response:
    """News and jobs for one ITL1 region, newest first."""
    region = _feed_tag(request, "region", slug, ITL1_REGIONS)
    if isinstance(region, Response):
        return region
    news = store.public_news(session=session, region=region, limit=FEED_SIZE).items
    jobs = store.public_jobs(session=session, region=region, limit=FEED_SIZE).items
    items = sorted([*news, *jobs], key=lambda i: i.published_at or i.collected_at, reverse=True)[
        :FEED_SIZE
    ]
    entries = item_entries(items, site_base(request), item_store.source_titles(session=session))
    path = f"/feeds/region/{slugify(region)}.xml"
    alternate = f"/jobs?region={slugify(region)}"
    changed = store.listing_changed((*NEWS, *JOBS), session=session)
    return atom_response(request, f"{region}", path, alternate, entries, changed)


@router.get("/sitemap.xml")
def sitemap(request: Request, session: Session = Depends(reader)) -> Response:
    base = site_base(request)
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    urlset = ET.Element("urlset", xmlns=ns)

    def add(loc: str, lastmod: str | None = None) -> None:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = loc
        if lastmod:
            ET.SubElement(url, "lastmod").text = lastmod

    for path in ("/", "/issues", "/news", "/jobs", "/notices", "/market"):
        add(base + path)
    changes = []
    for issue in store.sent_issues(session=session):
        changes.append(issue.sent_at or issue.updated_at)
        add(f"{base}/issues/{issue.id}", isoformat(issue.sent_at or issue.updated_at))
    # a job or notice that left it too
    changes.append(store.listing_changed((*JOBS, *NOTICES), session=session))
    for item_id, kind, updated in store.sitemap_items(session=session):
        path = page_path(kind, item_id)
        if path:  # news is read at its source
            add(base + path, isoformat(updated))
    body = ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
    page = Response(body, media_type="application/xml")
    return conditional(request, page, latest(*changes), cache_control=REVALIDATE)


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(request: Request) -> str:
    base = site_base(request)
    return (
        "User-agent: *\n"
        "Disallow: /confirm/\n"
        "Disallow: /preferences/\n"
        "Disallow: /unsubscribe/\n"
        "Disallow: /subscribe\n"
        "Disallow: /search\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )
