"""A loopback emulation of the Find a Tender and Contracts Finder OCDS APIs.

Serves real corpus releases through the real endpoints' shapes: Find a Tender's
`/api/1.0/ocdsReleasePackages?updatedFrom&updatedTo&limit[&cursor]` (offset-less times read
as UK local time) and Contracts Finder's `/Published/Notices/OCDS/Search?publishedFrom&
publishedTo&limit[&cursor]`, release packages with `links.next` carrying an opaque cursor
until the last page. Releases are filtered by their `date` within the window. Misbehaviour
is scripted per request: `script` is a queue of (status, headers, body) answers given
before normal service (429 with Retry-After, 503, a malformed page ...).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from tests.support.httpserver import MockServer, RequestInfo

UK = ZoneInfo("Europe/London")
FTS_PATH = "/api/1.0/ocdsReleasePackages"
CF_PATH = "/Published/Notices/OCDS/Search"


@dataclass
class OcdsApi:
    server: MockServer
    path: str
    from_param: str
    to_param: str
    releases: list[dict[str, Any]] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    fail_cursor: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    served: list[RequestInfo] = field(default_factory=list)
    served_at: list[float] = field(default_factory=list)  # time.monotonic() of each request
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> str:
        return self.server.add_handler(self.path, self.handle)

    @property
    def url(self) -> str:
        return self.server.url(self.path)

    def handle(self, request: RequestInfo) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.served.append(request)
            self.served_at.append(time.monotonic())
            if self.script:
                return self.script.pop(0)
        query = {k: v[0] for k, v in request.query.items()}
        cursor = query.get("cursor", "")
        if cursor in self.fail_cursor:
            return self.fail_cursor[cursor]
        try:
            start = _uk_time(query[self.from_param])
            end = _uk_time(query[self.to_param])
            limit = int(query.get("limit", "100"))
        except (KeyError, ValueError):
            return 400, {"Content-Type": "application/json"}, b'{"error": "bad window"}'
        chosen = [r for r in self.releases if start <= datetime.fromisoformat(
            r["date"].replace("Z", "+00:00")) <= end]  # fmt: skip
        offset = int(base64.b64decode(cursor).decode()) if cursor else 0
        page = chosen[offset : offset + limit]
        package: dict[str, Any] = {
            "uri": self.server.url(self.path),
            "version": "1.1",
            "publishedDate": "2026-09-03T23:59:59+01:00",
            "releases": page,
        }
        if offset + limit < len(chosen):
            nxt = base64.b64encode(str(offset + limit).encode()).decode()
            params = {self.from_param: query[self.from_param], self.to_param: query[self.to_param],
                      "limit": str(limit), "cursor": nxt}  # fmt: skip
            package["links"] = {"next": self.server.url(self.path) + "?" + urlencode(params)}
        return 200, {"Content-Type": "application/json"}, json.dumps(package).encode()

    def windows(self) -> list[tuple[str, str]]:
        """(from, to) of every first-page request (one without a cursor) served."""
        return [
            (r.query[self.from_param][0], r.query[self.to_param][0])
            for r in self.served
            if self.from_param in r.query and "cursor" not in r.query
        ]


def fts_api(server: MockServer, releases: list[dict[str, Any]]) -> OcdsApi:
    api = OcdsApi(server, FTS_PATH, "updatedFrom", "updatedTo", releases=list(releases))
    api.install()
    return api


def cf_api(server: MockServer, releases: list[dict[str, Any]]) -> OcdsApi:
    api = OcdsApi(server, CF_PATH, "publishedFrom", "publishedTo", releases=list(releases))
    api.install()
    return api


def _uk_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UK)


def recent_releases(ocds_dir: Path, *names: str) -> list[dict[str, Any]]:
    """The real releases of the release packages `names`, re-dated into the last day
    (their order kept), so that an API emulation serves them in a crawl's window."""
    releases = [r for n in names for r in json.loads((ocds_dir / n).read_text("utf-8"))["releases"]]
    base = datetime.now(UTC) - timedelta(days=1)
    return [
        {**r, "date": (base + timedelta(seconds=i)).isoformat()} for i, r in enumerate(releases)
    ]
