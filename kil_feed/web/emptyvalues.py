"""An empty query value means the parameter was not given, on every route.

An HTML form sends every field, blank ones as `name=` (`/jobs?region=&rate_min=500`), and
a client building a URL from optional settings does the same; as with django-filter's
empty values, a blank filter is no filter, not a 422 (`include_closed=` was "not a valid
boolean", `limit=` "not a valid integer"). The middleware drops such pairs before routing,
so pages, feeds and the API read them alike and a required parameter given empty is still
missing; the OpenAPI document says so with `allowEmptyValue` on each optional parameter.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]


def without_empty_values(query: bytes) -> bytes:
    """The query string less its `name=` (and bare `name`) pairs; the rest byte for byte."""
    pairs = query.split(b"&")
    kept = [p for p in pairs if p.partition(b"=")[2]]
    return query if len(kept) == len(pairs) else b"&".join(kept)


class DropEmptyQueryValues:
    """Pure ASGI middleware: the request's query string without its empty values."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if query:
            scope = {**scope, "query_string": without_empty_values(query)}
        await self.app(scope, receive, send)


def allow_empty_values(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with `allowEmptyValue: true` on every optional query parameter
    (the middleware reads `name=` as absent)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return document
