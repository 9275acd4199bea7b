"""`create_app(settings) -> FastAPI`: the web archive, its routers, security and error pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kil_feed.config import Settings
from kil_feed.db import make_engine
from kil_feed.errors import KilError
from kil_feed.topics import topic_catalog
from kil_feed.web.deps import render
from kil_feed.web.emptyvalues import DropEmptyQueryValues, allow_empty_values
from kil_feed.web.facets import FacetCache
from kil_feed.web.figurecache import FigureCache
from kil_feed.web.http import CachedStaticFiles, HeadAsGet, allow_header, slash_redirect
from kil_feed.web.routes import (
    api,
    docs,
    feeds,
    jobs,
    market,
    market_notices,
    notices,
    pages,
    search,
    subscriptions,
)
from kil_feed.web.security import RateLimiter, SecurityHeaders
from kil_feed.web.templating import make_environment
from kil_feed.web.trends import TrendCache

logger = logging.getLogger(__name__)
NOTHING_HERE = "There is nothing at this address."


def create_app(settings: Settings) -> FastAPI:
    """Build the app; the engine is made here (never at import) and disposed on shutdown."""
    settings.require_secret_key()  # fail at start, not on the first signup
    app = FastAPI(
        title="Keep it Local feed API",
        description="Approved UK public-sector procurement news, interim jobs and issues.",
        version="1",
        docs_url=None,  # served by routes/docs.py from our own origin
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    app.router.redirect_slashes = False  # slash_redirect, with a relative Location
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.jinja = make_environment(settings)
    app.state.signup_limiter = RateLimiter(app.state.engine, settings.web.signup_rate_limit, 3600.0)
    app.state.topics = topic_catalog(settings)
    app.state.trends = TrendCache(app.state.engine, tz=settings.timezone)
    app.state.figures = FigureCache(tz=settings.timezone)
    app.state.facets = FacetCache(
        app.state.engine, ttl=settings.web.facet_cache_seconds, topics=app.state.topics
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.add_middleware(DropEmptyQueryValues)
    document = app.openapi
    app.openapi = lambda: allow_empty_values(document())  # type: ignore[method-assign]
    app.mount(  # before /static, which would otherwise claim these paths
        docs.SWAGGER_UI_MOUNT,
        CachedStaticFiles(directory=docs.swagger_ui_dir()),
        name="swagger-ui",
    )
    app.mount(
        "/static",
        CachedStaticFiles(directory=settings.templates_folder() / "web" / "static"),
        name="static",
    )
    for module in (pages, jobs, notices, market, search, feeds, subscriptions, api, docs):
        app.include_router(module.router)
    app.include_router(notices.api)
    app.include_router(market.api_router)
    app.include_router(market_notices.api_router)
    _error_handlers(app)

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.trends.warm()
    yield
    app.state.engine.dispose()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request,
    status: int,
    title: str,
    message: str,
    hint: str | None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_json(request):
        response: Response = JSONResponse({"error": message, "hint": hint}, status_code=status)
    else:
        response = render(
            request, "error.html",
            {"status": status, "title": title, "message": message, "hint": hint}, status=status,
        )  # fmt: skip
    response.headers.update(headers or {})
    return response


# what to send instead of a value that is not of a parameter's documented form (its pattern)
FORM_HINTS = {
    "week": "use an ISO week such as 2026-W48",
    "cpv": "use a CPV code or its prefix",
}
MISSING_HINTS = {"q": "give the words to search for: q=..."}


def invalid_parameter(error: Mapping[str, Any]) -> tuple[str, str | None]:
    """The line and hint of a parameter FastAPI refused: the value sent (`invalid week:
    'garbage'`) and what to send, not the validator's regular expression; `missing q` for
    a required one left out or blank."""
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
    where = where or "input"
    kind, value = error.get("type"), error.get("input")
    if kind == "missing":
        return f"missing {where}", MISSING_HINTS.get(where)
    shown = f"{value[:40]!r}" if isinstance(value, str) else None
    if kind == "string_pattern_mismatch" and shown:
        return f"invalid {where}: {shown}", FORM_HINTS.get(where, "see /api/docs")
    message = error.get("msg", "not accepted")
    return f"invalid {where}: {shown + ': ' if shown else ''}{message}", None


def _error_handlers(app: FastAPI) -> None:
    titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Not allowed",
              409: "Conflict", 422: "Invalid input", 429: "Too many requests"}  # fmt: skip

    @app.exception_handler(KilError)
    async def _kil_error(request: Request, exc: KilError) -> Response:
        status = exc.http_status
        return _error(request, status, titles.get(status, "Error"), exc.message, exc.hint)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if status == 404:
            redirect = slash_redirect(request)
            if redirect is not None:
                return redirect
            message = NOTHING_HERE
        headers = allow_header(request) if status == 405 else getattr(exc, "headers", None)
        return _error(request, status, titles.get(status, "Error"), message, None, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        if tuple(first.get("loc", ()))[:1] == ("path",):  # /jobs/54.0, /issues/abc: no page
            return _error(request, 404, titles[404], NOTHING_HERE, None)
        message, hint = invalid_parameter(first)
        return _error(request, 422, titles[422], message, hint)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error path=%s", request.url.path)
        if _wants_json(request):
            return JSONResponse({"error": "internal error"}, status_code=500)
        return HTMLResponse(  # no template: the templates themselves may be what failed
            "<!doctype html><title>Error</title><h1>Something went wrong</h1>"
            "<p>Please try again later.</p>",
            status_code=500,
        )
