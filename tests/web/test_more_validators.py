"""/api/issues, /api/market, /market/charts/*.png and /api/search answer conditional
requests as the listings do: a weak ETag of what they are made of, Last-Modified when that
last changed, and a 304 for a current copy before their query (the issues, the market
figures, the search). They sent no validator, so a poller fetched everything each time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Issue
from kil_feed.timeutil import utcnow
from tests.support.waiting import settled_response
from tests.support.webdata import Archive
from tests.web.test_listing_etags import _counted_renders, _item, cached_unread

CHART = "/market/charts/roles.png"
PATHS = ("/api/issues", "/api/market", "/api/market?region=north-west", CHART,
         "/api/search?q=council", "/api/search?q=council&kind=job")  # fmt: skip


def _reads(sent: list[str]) -> list[str]:
    """What the 200s read: the issues or items in order, the search (the market figures'
    read is seen by the figure cache filling)."""
    return [s for s in sent if "ORDER BY" in s.upper() or "item_fts" in s]


def _cache_control(path: str) -> str:
    # the email's chart is kept a day, as before; the JSON is asked for each time
    return "public, max-age=86400" if path == CHART else "no-cache"


def test_a_current_copy_is_a_304_before_the_query(
    client: TestClient, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = _counted_renders(client, monkeypatch)
    etags = set()
    for path in PATHS:
        page = settled_response(client, path)
        assert page.status_code == 200, path
        assert page.headers["etag"].startswith('W/"'), path
        assert page.headers["cache-control"] == _cache_control(path), path
        etags.add(page.headers["etag"])
        client.app.state.figures._entries.clear()  # type: ignore[attr-defined]  # counted again
        preconditions = [
            {"if-none-match": page.headers["etag"]},
            {"if-none-match": f'"other", {page.headers["etag"]}'},
            {"if-none-match": "*"},
            {"if-modified-since": page.headers["last-modified"]},
        ]
        cached_unread(client, path, page, preconditions, rendered, _reads)
        assert not client.app.state.figures._entries, path  # type: ignore[attr-defined]
        stale = client.get(path, headers={"if-none-match": 'W/"other"'})
        assert stale.status_code == 200 and stale.content == page.content, path
    assert len(etags) == len(PATHS)  # keyed on the path and the query


def _issue_edited(engine: Engine, issue_id: int) -> None:
    with write_session(engine) as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        issue.subject, issue.updated_at = "A subject edited", utcnow()
        s.add(issue)


def test_a_change_of_what_they_show_moves_the_validators(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    job = "Interim Council Procurement Lead"
    changes: dict[str, Callable[[], object]] = {
        "/api/issues": lambda: _issue_edited(engine, archive.issues["sent"]),
        "/api/market": lambda: _item(
            engine, "job", job, regions=["North West"], pay_min=600, pay_period="day"
        ),  # fmt: skip
        "/api/search?q=council": lambda: _item(engine, "news", "Council wins award"),
    }
    for path, change in changes.items():
        watched = [path, *([CHART] if path == "/api/market" else [])]
        pages = {p: settled_response(client, p) for p in watched}
        change()
        for p, page in pages.items():
            fresh = client.get(p, headers={"if-none-match": page.headers["etag"]})
            assert fresh.status_code == 200 and fresh.content != page.content, p
            assert fresh.headers["etag"] != page.headers["etag"], p
            since = {"if-modified-since": page.headers["last-modified"]}
            later = settled_response(client, p, **since)
            assert later.status_code == 200, p


def test_the_openapi_document_names_their_validators(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    for path in ("/api/issues", "/api/market", "/api/search"):
        operation = document["paths"][path]["get"]
        sent = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"If-None-Match", "If-Modified-Since"} <= sent, path
        for status in ("200", "304"):
            assert {"ETag", "Last-Modified", "Cache-Control"} <= set(
                operation["responses"][status]["headers"]
            ), (path, status)
