"""HTTP details the routes share: HEAD wherever GET is answered, conditional GET (ETag and
Last-Modified with 304), and cache headers for static files.

HEAD is served by running the GET route and dropping the body, so its headers (length,
validators, type) are exactly those of the GET, as RFC 9110 asks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fastapi import Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount

from kil_feed import preconditions
from kil_feed.timeutil import as_utc

Scope = MutableMapping[str, Any]
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
STATIC_CACHE_CONTROL = "public, max-age=3600"  # not fingerprinted: an hour, then revalidate
# a page with validators: a cache keeps it but asks each time (with Last-Modified and no
# Cache-Control, a cache would reuse it unasked for a tenth of its age, RFC 9111 4.2.2)
REVALIDATE = "no-cache"
# a page that holds the visitor's own CSRF token (a form): never from a shared cache, and
# asked again each time (it has no validators: a browser's back button may still show it)
PRIVATE_PAGE = "private, no-cache"


class HeadAsGet:
    """Pure ASGI middleware: a HEAD request runs as GET and its body is dropped."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def allow_header(request: Request) -> dict[str, str]:
    """A 405's `Allow`: every method some route answers at this path (Starlette names only
    the first route's), with HEAD wherever GET is allowed. Each method is tried against
    the routes, since included routers do not list their methods. Routes match against the
    app's root path: inside a mount (/static) the scope's root path is the mount's, which
    matched no route and sent an empty `Allow`."""
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    scope = {**request.scope, "root_path": root}
    allowed = [
        method
        for method in _METHODS
        if any(_answers(route, {**scope, "method": method}) for route in request.app.router.routes)
    ]
    if "GET" in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return {"Allow": ", ".join(allowed)}


def slash_redirect(request: Request) -> Response | None:
    """For a path no route answers, a redirect to its trailing-slash twin that one does
    (`/news/` -> `/news`), or None. The Location is relative (path and query): Starlette's
    own redirect (turned off in the app) wrote the Host header into it, so `Host:
    evil.example` sent the client to http://evil.example/news, an open redirect wherever a
    cache or proxy passes the header on."""
    path = request.scope["path"]
    if "route" in request.scope or path.rstrip("/") == "":
        return None  # a route matched (its own 404), or the root
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    scope = {**request.scope, "path": twin}
    if not any(route.matches(scope)[0] != Match.NONE for route in request.app.router.routes):
        return None
    location = "/" + twin.lstrip("/")  # never `//host`: a browser reads that as a host
    query = request.scope.get("query_string", b"").decode("latin-1")
    return RedirectResponse(location + (f"?{query}" if query else ""))


def _answers(route: BaseRoute, scope: Scope) -> bool:
    if isinstance(route, Mount):  # the static files: a mount matches any method, they GET
        return scope["method"] == "GET" and route.matches(scope)[0] == Match.FULL
    return route.matches(scope)[0] == Match.FULL


def http_date(value: datetime) -> str:
    return format_datetime(as_utc(value).replace(microsecond=0), usegmt=True)  # type: ignore[union-attr]


def conditional(
    request: Request,
    response: Response,
    last_modified: datetime | None,
    *,
    now: datetime | None = None,
    etag: str | None = None,
    cache_control: str | None = None,
) -> Response:
    """Add an ETag (of the body, unless given) and Last-Modified; a 304 when the client's
    copy is current (`not_modified`). `cache_control` (a page of the site: `REVALIDATE`) is
    sent on the 200 and the 304 alike.

    The ETag is weak: the body is the same representation, but it may be compressed on the
    way. A digest of the body moves with every change the page shows, however close
    together; a page that knows what it depends on passes an `etag` of that instead
    (`key_etag`, checked before rendering by `unchanged`).

    Last-Modified is whole seconds: a page sent at 12:00:00.3 with the change of 12:00:00.1
    and changed again at 12:00:00.8 kept the same date, and a client asking
    If-Modified-Since got a 304 and the stale page. So a last change within the current
    second (or later: a clock ahead) is no validator yet, as RFC 9110 8.8.2.2 has it (weak
    unless a second before Date): the page goes with its ETag only, and If-Modified-Since
    is not answered 304 until that second has passed.
    """
    if cache_control is not None:
        response.headers["cache-control"] = cache_control
    etag = etag or 'W/"' + hashlib.blake2b(response.body, digest_size=12).hexdigest() + '"'
    headers, last_modified = _validators(etag, last_modified, now)
    if not_modified(request, etag, last_modified):
        keep = {k: v for k, v in response.headers.items() if k in ("cache-control", "vary")}
        return Response(status_code=304, headers={**keep, **headers})
    response.headers.update(headers)
    return response


def key_etag(*parts: object) -> str:
    """A weak ETag of what a page is made from (its filters, its data's version, the
    settings and templates it is rendered with), known before it is rendered."""
    return 'W/"' + hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest() + '"'


def unchanged(
    request: Request,
    etag: str,
    last_modified: datetime | None,
    *,
    now: datetime | None = None,
    current: bool = True,
) -> Response | None:
    """The 304 for a client's current copy, before the page is rendered; else None (render
    it, then `conditional` with the same `etag`). `current`: the page is known to exist.
    `*` and If-Modified-Since match only a page that exists (a page past the last is a
    404), so while that is not known (a later page, its rows unread) only a matching ETag,
    which only a page that existed at this version gave, is answered 304."""
    headers, last_modified = _validators(etag, last_modified, now)
    if not not_modified(request, etag, last_modified, current=current):
        return None
    return Response(status_code=304, headers=headers)


def not_modified(
    request: Request, etag: str, last_modified: datetime | None, *, current: bool = True
) -> bool:
    """Whether a GET or HEAD is answered 304 (`preconditions.not_modified`, RFC 9110 13.2.2)."""
    return preconditions.not_modified(
        request.method,
        request.headers.getlist("if-none-match"),
        request.headers.getlist("if-modified-since"),
        etag,
        last_modified,
        current=current,
    )


def _validators(
    etag: str, last_modified: datetime | None, now: datetime | None
) -> tuple[dict[str, str], datetime | None]:
    """The ETag and Last-Modified headers, and the Last-Modified that is a validator yet."""
    headers = {"etag": etag}
    if not settled(last_modified, now or datetime.now(UTC)):
        last_modified = None
    if last_modified is not None:
        headers["last-modified"] = http_date(last_modified)
    return headers, last_modified


def settled(last_modified: datetime | None, now: datetime) -> bool:
    """The change's second is over at `now`: no later change can carry the same HTTP-date."""
    if last_modified is None:
        return False
    whole = as_utc(last_modified).replace(microsecond=0)  # type: ignore[union-attr]
    return whole < as_utc(now).replace(microsecond=0)  # type: ignore[union-attr]


class CachedStaticFiles(StaticFiles):
    """Static files with a Cache-Control header (Starlette already sends ETag and 304s)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("cache-control", STATIC_CACHE_CONTROL)
        return response
