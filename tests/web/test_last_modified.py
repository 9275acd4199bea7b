"""Validators that follow every change: Last-Modified only once its second is over (two
changes in one second share an HTTP-date), ETags of the body, and the figures' stamp moved
by a buyer added by hand with an old `updated_at`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.timeutil import utcnow
from kil_feed.web.figurecache import FigureCache
from kil_feed.web.http import conditional, http_date
from tests.support.webdata import Archive

NOON = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)


def _request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_a_change_within_the_current_second_sends_no_last_modified() -> None:
    """Sent at 12:00:00.3 with the change of 12:00:00.1, Last-Modified said 12:00:00; the
    change of 12:00:00.8 kept that date and If-Modified-Since got a 304 and the stale page."""
    early = NOON + timedelta(milliseconds=100)
    first = conditional(_request(), Response(b"one"), early, now=NOON + timedelta(milliseconds=300))
    assert "last-modified" not in first.headers and first.headers["etag"]
    late = NOON + timedelta(milliseconds=800)
    second = conditional(
        _request(if_none_match=first.headers["etag"]), Response(b"two"), late, now=late
    )
    assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]
    # once the second is over, the date is a validator: no later change can carry it
    after = NOON + timedelta(seconds=1)
    settled = conditional(_request(), Response(b"two"), late, now=after)
    assert settled.headers["last-modified"] == "Wed, 02 Dec 2026 12:00:00 GMT"
    since = _request(if_modified_since=settled.headers["last-modified"])
    assert conditional(since, Response(b"two"), late, now=after).status_code == 304
    ahead = conditional(_request(), Response(b"x"), after + timedelta(seconds=5), now=after)
    assert "last-modified" not in ahead.headers  # never later than Date (RFC 9110 8.8.2.1)
    stale_date = _request(if_modified_since=http_date(NOON))  # from some other server
    assert conditional(stale_date, Response(b"two"), late, now=late).status_code == 200


def test_two_changes_in_one_second_give_two_etags_over_http(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    """Stamped in the current second (or ahead, by a writer's clock), a feed and /buyers
    go with their ETag alone, which moves with each change however close together."""
    stamp = utcnow() + timedelta(minutes=5)  # "this second" however slow the machine
    seen: dict[str, list[str]] = {"/feeds/news.xml": [], "/buyers": [], "/api/buyers": []}
    for n in range(2):
        with write_session(engine) as s:
            story = Item(
                source_id=1, kind="news", url=f"https://lgw.example/same-second-{n}",
                title=f"Same-second story {n}", status="approved", published_at=utcnow(),
                updated_at=stamp,
            )  # fmt: skip
            save_item(story, session=s)
        for path, etags in seen.items():
            page = client.get(path)
            assert page.status_code == 200 and "last-modified" not in page.headers, path
            etags.append(page.headers["etag"])
            if path == "/feeds/news.xml":
                assert f"Same-second story {n}" in page.text
    for path, (one, two) in seen.items():
        if path == "/feeds/news.xml":
            assert one != two, path
            again = client.get(path, headers={"if-none-match": one})
            assert again.status_code == 200, path
        cached = client.get(path, headers={"if-none-match": two})
        assert cached.status_code == 304, path


def test_a_buyer_added_by_hand_with_an_old_updated_at_moves_the_figures_stamp(
    engine: Engine,
) -> None:
    cache = FigureCache()
    insert = sa.text(
        "INSERT INTO buyer (key, slug, name, created_at, updated_at)"
        " VALUES (:key, :key, :name, :at, :at)"
    )
    with write_session(engine) as s:
        s.execute(insert, {"key": "leeds", "name": "Leeds City Council", "at": utcnow()})
    with read_session(engine) as s:
        before = cache.stamp("notice", session=s)
    with write_session(engine) as s:  # a script copying buyers in, dated when it made them
        old = utcnow() - timedelta(days=30)
        s.execute(insert, {"key": "durham", "name": "Durham County Council", "at": old})
    with read_session(engine) as s:
        after = cache.stamp("notice", session=s)
    assert after != before
    with read_session(engine) as s:
        assert cache.stamp("notice", session=s) == after  # unchanged: kept
