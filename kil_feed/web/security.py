"""Security helpers: response headers (CSP and friends), CSRF tokens, a signup rate limiter.

CSRF uses the double-submit pattern with a signed token (`kil_feed.tokens`, purpose
"csrf"): the same token sits in an HttpOnly cookie and in a hidden form field, and a POST
is accepted only when both are present, equal and validly signed. The RFC 8058 one-click
unsubscribe POST is exempt by design (mail clients send it without cookies).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from sqlalchemy.engine import Engine
from starlette.responses import Response

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.errors import KilError, NotFoundError
from kil_feed.storage.ratelimit import count_attempt
from kil_feed.tokens import make_token, read_token
from kil_feed.web.http import PRIVATE_PAGE

CSRF_COOKIE = "kil_csrf"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 24 * 3600

# connect-src 'self': pages run no script (none is allowed), so this lets nothing on the
# page connect anywhere; it lets auditing tools (Lighthouse's robots.txt check) fetch our
# own /robots.txt from the page
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (  # Swagger UI from our own origin (routes/docs.py): scripts but no inline code
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


class CsrfError(KilError):
    """The form's CSRF token is missing, stale or does not match the cookie."""

    http_status = 403


class RateLimited(KilError):
    http_status = 429


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers (and a CSP) to every response."""

    def __init__(self, app: ASGIApp, docs_prefix: str = "/api/docs") -> None:
        self.app = app
        self.docs_prefix = docs_prefix

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(self.docs_prefix) else PAGE_CSP

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in {**BASE_HEADERS, "content-security-policy": csp}.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request, settings: Settings) -> str:
    """The visitor's CSRF token: the cookie's when still valid, else a new one."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if current and _valid(settings, current):
        request.state.csrf_token = current
        return current
    token = make_token(settings, secrets.randbelow(2**31 - 1) + 1, "csrf")
    request.state.csrf_token = token
    request.state.csrf_new = True
    return token


def set_csrf_cookie(request: Request, response: Response) -> Response:
    """Store a newly minted token in the cookie (call on responses that render a form), and
    keep any page that holds the visitor's token out of shared caches."""
    if getattr(request.state, "csrf_token", None) and "cache-control" not in response.headers:
        response.headers["cache-control"] = PRIVATE_PAGE
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_token,
            max_age=CSRF_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def check_csrf(request: Request, settings: Settings, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if (
        not submitted
        or not cookie
        or not secrets.compare_digest(submitted.encode(), cookie.encode())  # str: ASCII only
        or not _valid(settings, cookie)
    ):
        raise CsrfError(
            "this form has expired or was not sent from this site",
            hint="reload the page and try again",
        )


def _valid(settings: Settings, token: str) -> bool:
    try:
        read_token(settings, token, "csrf", max_age=CSRF_MAX_AGE)
    except NotFoundError:
        return False
    return True


class RateLimiter:
    """At most `limit` attempts per `window` seconds per key, counted in the database
    (`storage.ratelimit`), so every worker behind `kil serve --workers N` shares the count."""

    def __init__(self, engine: Engine, limit: int, window: float = 3600.0) -> None:
        self.engine = engine
        self.limit = limit
        self.window = window

    def hit(self, key: str, now: float | None = None) -> bool:
        """Record an attempt; False when the key is over its limit."""
        with write_session(self.engine) as session:
            return count_attempt(key, self.window, session=session, now=now) <= self.limit


def client_key(request: Request) -> str:
    """The client's address: uvicorn takes it from X-Forwarded-For only when the connection
    comes from one of `web.trusted_proxies`, so nobody else can choose it."""
    return request.client.host if request.client else "unknown"
