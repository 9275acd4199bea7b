"""Shared request helpers: settings, sessions, rendering, paging."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import KilError, NotFoundError
from kil_feed.storage.web import listing_version
from kil_feed.timeutil import latest, local_today, utcnow
from kil_feed.web.facets import Facets
from kil_feed.web.figurecache import FigureCache
from kil_feed.web.http import REVALIDATE, conditional, key_etag, unchanged
from kil_feed.web.security import set_csrf_cookie


def facets_of(request: Request) -> Facets:
    return request.app.state.facets.get()


def figures_of(request: Request) -> FigureCache:
    return request.app.state.figures


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def reader(request: Request) -> Iterator[Session]:
    """FastAPI dependency: a read session for the request."""
    with read_session(engine_of(request)) as session:
        yield session


def writer(request: Request):  # type: ignore[no-untyped-def]
    """A write-session context manager (BEGIN IMMEDIATE on SQLite)."""
    return write_session(engine_of(request))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    env = request.app.state.jinja
    ctx = {"request": request, "settings": settings_of(request), **(context or {})}
    html = env.get_template(f"web/{template}").render(ctx)
    return set_csrf_cookie(request, HTMLResponse(html, status_code=status))  # type: ignore[return-value]


@dataclass(frozen=True)
class ListingStamp:
    """A listing page's validators, known before its query runs or its page is rendered."""

    etag: str
    last_modified: datetime | None
    now: datetime  # the moment it was read at: the 304 and the 200 send the same validators


def listing_stamp(
    request: Request,
    kinds: Sequence[str],
    *,
    session: Session,
    key: Mapping[str, object],
    now: datetime,
    shown: Sequence[object] = (),
    also: Sequence[datetime | None] = (),
    per_day: bool = True,
) -> ListingStamp:
    """The validators of a listing (/news, /jobs, /notices, their JSON twins under /api) of
    `kinds`, from what the page is made of rather than from its body, so that a client's
    current copy is answered 304 with no listing query and no render (`listing_unchanged`).
    The ETag covers the path and `key` (the normalised filters and page, everything of the
    query string the page shows), the listing's `listing_version` at `now` (an item added,
    approved, rejected, edited, featured, deleted; a job closed; a source renamed),
    `shown` (the menus' digest, trend lines), the UK day, the settings and the code and
    templates it is rendered with. Last-Modified is when the listing or what else it
    shows (`also`: its menus, trend lines) last changed.

    `per_day`: an HTML page, whose dates read relative to the UK day; a JSON listing
    (`api_stamp`) gives absolute times only, so a new day does not change its ETag. No
    `kinds`: a page of no items (/api/issues), stamped by what it `shows` alone."""
    version = listing_version(kinds, session=session, now=now) if kinds else None
    settings = settings_of(request)
    etag = key_etag(
        request.url.path,
        sorted(key.items()),
        version,
        *shown,
        request.app.state.topics,  # its labels, read from the topics file at start
        local_today(settings.timezone, now) if per_day else None,
        settings_digest(settings),
        build_digest(str(settings.templates_folder())),
    )
    return ListingStamp(etag, latest(version.changed if version else None, *also), now)


def listing_unchanged(
    request: Request, stamp: ListingStamp, *, current: bool = True
) -> Response | None:
    """The 304 for a client's current copy of a listing (or another page made from a
    `ListingStamp`), before it is rendered, or None. Page 1 always exists (`current`); a
    later one only once its rows are read, so before that only a matching ETag is
    answered, then `*` and If-Modified-Since too. It says `no-cache`, as the page does
    (`web.http.REVALIDATE`)."""
    cached = unchanged(request, stamp.etag, stamp.last_modified, now=stamp.now, current=current)
    if cached is not None:
        cached.headers["cache-control"] = REVALIDATE
    return cached


def listing_response(request: Request, page: Response, stamp: ListingStamp) -> Response:
    """The rendered listing (or stamped page) with its validators (those
    `listing_unchanged` answered with)."""
    return conditional(
        request, page, stamp.last_modified, now=stamp.now, etag=stamp.etag, cache_control=REVALIDATE
    )


def api_stamp(
    request: Request,
    kind: str | Sequence[str],
    filters: Mapping[str, object],
    limit: int,
    offset: int,
    *,
    session: Session,
    now: datetime | None = None,
    shown: Sequence[object] = (),
    also: Sequence[datetime | None] = (),
) -> ListingStamp:
    """A JSON listing's validators (`listing_stamp`, per_day False): its normalised filters
    and page, its kind's (or kinds') listing version, and what else it `shows`. Any offset
    of a JSON listing exists (past the last it is an empty page), so `listing_unchanged`
    answers `*` and a date at once."""
    key = {**filters, "limit": limit, "offset": offset}
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    return listing_stamp(
        request, kinds, session=session, key=key, now=now or utcnow(), shown=shown,
        also=also, per_day=False,
    )  # fmt: skip


def api_response(
    request: Request, model: type[BaseModel], body: Mapping[str, Any], stamp: ListingStamp
) -> Response:
    """A JSON listing as `model` documents (and filters) it, with the validators and the
    `no-cache` that `listing_unchanged` answered with."""
    content = model.model_validate(body).model_dump(mode="json")
    return listing_response(request, JSONResponse(content), stamp)


def settings_digest(settings: Settings) -> str:
    """A digest of the settings, keyed by the secret key: a database URL's password in
    them cannot be guessed from an ETag offline."""
    key = hashlib.blake2b(settings.require_secret_key().encode()).digest()
    text = settings.model_dump_json().encode()
    return hashlib.blake2b(text, key=key, digest_size=12).hexdigest()


@cache
def build_digest(templates: str) -> str:
    """A digest of the code and templates pages are rendered with, read once per process: a
    deploy that changes how a page looks changes its ETag, as a body digest did."""
    import crawler
    import kil_feed

    digest = hashlib.blake2b(digest_size=12)
    packages = [Path(str(module.__file__)).parent for module in (kil_feed, crawler)]
    roots = [(Path(templates), "*"), *((folder, "*.py") for folder in packages)]
    for root, pattern in roots:
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def invalid_listing(
    request: Request, template: str, context: dict[str, Any], error: KilError
) -> HTMLResponse:
    """A listing page whose query string has a bad value: the page (its filter form, no
    results) with the message, answered 422."""
    empty = Pager(1, 1, 0)
    return render(
        request,
        template,
        {**context, "items": [], "pager": empty, "filters": None, "params": {}, "error": error},
        status=422,
    )


@dataclass
class Pager:
    page: int
    size: int
    total: int

    capped: bool = False  # the total is a lower bound

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        # a capped total is a lower bound: there may be more pages after the counted ones
        return self.page < self.pages or (self.capped and self.page >= self.pages)


def listing_pager(number: int, size: int, total: int, capped: bool, shown: int) -> Pager:
    """The pager of a listing page that shows `shown` rows. A page past the last is a 404,
    as Django's paginator and Datasette answer: "Page 50 of 2" with nothing on it was a 200
    that crawlers kept and links could point at."""
    pager = Pager(number, size, total, capped)
    if number > 1 and shown == 0:
        pages = pager.pages
        last = f"more than {total} results" if capped else f"{pages} page{'s' * (pages > 1)}"
        raise NotFoundError(f"there is no page {number}: this listing has {last}")
    return pager
