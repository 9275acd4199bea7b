"""/buyers and /api/buyers know their validators before the buyers query, as the listings
do: a current copy is a 304 with no listing query and no render. Their ETag was a digest
of the body, so every 304 cost the whole index (its counts, its news of every buyer). The
ETag still moves with what the index shows: an item, a buyer, a story leaving the news
window with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.buyers import NEWS_DAYS
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from tests.support.queries import statements
from tests.support.waiting import settled_response, wait_until
from tests.web.test_listing_etags import _counted_renders, _listing_reads, cached_unread
from tests.web.test_notices_web import notices_client  # noqa: F401 - the shared fixture

PATHS = ("/buyers", "/buyers?sort=name", "/api/buyers", "/api/buyers?q=durham&limit=5")


def test_a_304_runs_no_buyers_query_and_no_render(
    notices_client: TestClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered = _counted_renders(notices_client, monkeypatch)
    engine = notices_client.app.state.engine  # type: ignore[attr-defined]
    etags = set()
    for path in PATHS:
        with statements(engine) as full:
            page = settled_response(notices_client, path)
        assert page.status_code == 200 and _listing_reads(full), (path, full)
        assert page.headers["cache-control"] == "no-cache", path
        etags.add(page.headers["etag"])
        preconditions = [
            {"if-none-match": page.headers["etag"]},
            {"if-none-match": "*"},
            {"if-modified-since": page.headers["last-modified"]},
        ]
        cached_unread(notices_client, path, page, preconditions, rendered)
    assert len(etags) == len(PATHS)  # keyed on the path and the query


def test_a_later_page_is_not_told_current_before_it_is_known_to_exist(
    notices_client: TestClient,  # noqa: F811
) -> None:
    """Ten buyers, a page of three: page 9 is a 404 whatever the client sends (`*`, a date)."""
    notices_client.app.state.settings.web.page_size = 3  # type: ignore[attr-defined]
    page = settled_response(notices_client, "/buyers?page=2")
    since = page.headers["last-modified"]
    for headers in ({"if-none-match": "*"}, {"if-modified-since": since}):
        assert notices_client.get("/buyers?page=2", headers=headers).status_code == 304
        assert notices_client.get("/buyers?page=9", headers=headers).status_code == 404


def test_a_story_leaving_the_news_window_moves_the_etag(
    notices_client: TestClient,  # noqa: F811
    engine: Engine,
) -> None:
    """Nothing is written when a story turns 90 days old: time passes, and the buyer's news
    count drops. The ETag and Last-Modified move then."""
    with write_session(engine) as s:
        source, _ = upsert_source("Wire", session=s, kind="feed", url="https://w.example/")
        story = Item(
            source_id=source.id, kind="news", status="approved", url="https://w.example/d",
            title="Durham County Council signs a deal", employer="Durham County Council",
            buyer_key="durham",
            published_at=utcnow() - timedelta(days=NEWS_DAYS) + timedelta(seconds=3),
        )  # fmt: skip
        save_item(story, session=s)
    pages = {
        p: settled_response(notices_client, p) for p in ("/buyers?q=durham", "/api/buyers?q=durham")
    }
    assert pages["/api/buyers?q=durham"].json()["buyers"][0]["news"] == 1
    for path, page in pages.items():
        etag, since = page.headers["etag"], page.headers["last-modified"]
        wait_until(
            lambda p=path, e=etag: (
                notices_client.get(p, headers={"if-none-match": e}).status_code == 200
            ),
            f"{path} to change once the story left the window",
        )
        later = settled_response(notices_client, path, **{"if-modified-since": since})
        assert later.status_code == 200 and later.headers["last-modified"] != since, path
    assert notices_client.get("/api/buyers?q=durham").json()["buyers"][0]["news"] == 0
