"""Shared request helpers: settings, sessions, rendering, paging."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import KilError, NotFoundError
from kil_feed.storage.web import listing_changed
from kil_feed.timeutil import latest
from kil_feed.web.facets import Facets
from kil_feed.web.figurecache import FigureCache
from kil_feed.web.http import conditional
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


def listing_response(
    request: Request,
    page: HTMLResponse,
    kinds: Sequence[str],
    *,
    session: Session,
    also: Sequence[datetime | None] = (),
) -> Response:
    """A listing page (/news, /jobs, /notices) with the validators its feed has: an ETag of
    the body (its filters and rows) and Last-Modified when a listing of `kinds` last
    changed, or what else it shows (`also`: its filter menus, trend lines), with a 304 when
    the client's copy is current. The pages had neither while their feeds did, so every
    revisit of a listing was a full page."""
    changed = latest(listing_changed(kinds, session=session), *also)
    return conditional(request, page, changed)


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
