"""The JSON listings (/api/items, /api/jobs, /api/notices) and an unsent issue's market
chart answer conditional requests as the HTML listings do: a weak ETag of what the body is
made of, known before the query, Last-Modified when that last changed, and a 304 for a
current copy before the listing query (or the chart's figures and drawing). They had no
validator: a script polling the API, or a cache, fetched everything every time. On SQLite
and PostgreSQL (the HTML listing tests' `listings` archive)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Buyer, Source
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from kil_feed.web.http import http_date
from newsletter.build import build_issue
from tests.newsletter.test_market_pulse import BUILT, _issue, _late_adverts, _story
from tests.support.queries import statements
from tests.support.waiting import settled_response
from tests.web.test_listing_etags import (  # the HTML listings' archive and changes
    _act,
    _crawl,
    _item,
    _listing_reads,
    listings,  # noqa: F401  # the fixture, parametrised over both databases
)

PATHS = ("/api/items", "/api/jobs", "/api/notices", "/api/jobs?region=north-west&sort=closing")
KIND = {"/api/items": "news", "/api/jobs": "job", "/api/notices": "notice"}
MALFORMED = ("garbage", '"unterminated', "W/", ",,,", 'W/"a" junk "b"', "\x7f", '"a"b"', "* *")


def _current(client: TestClient, path: str) -> tuple[str, str]:
    """A 200's ETag and Last-Modified, each answered 304 with the same validators."""
    page = settled_response(client, path)
    assert page.status_code == 200 and page.json()["items"], path
    etag, modified = page.headers["etag"], page.headers["last-modified"]
    assert etag.startswith('W/"'), (path, etag)
    assert page.headers["cache-control"] == "no-cache", path  # a cache asks each time
    for headers in ({"if-none-match": etag}, {"if-modified-since": modified}):
        cached = client.get(path, headers=headers)
        assert cached.status_code == 304 and cached.content == b"", (path, headers)
        for name in ("etag", "last-modified", "cache-control"):
            assert cached.headers.get(name) == page.headers[name], (path, headers, name)
    return etag, modified


def _moved(client: TestClient, path: str, etag: str) -> dict[str, Any]:
    """The listing answered 200 for a copy of `etag`, with a new ETag: its body."""
    fresh = client.get(path, headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag, path
    return fresh.json()


def _titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


def test_an_api_listing_is_304_until_an_item_changes(
    listings: TestClient,  # noqa: F811
    any_engine: Engine,
    any_settings: Settings,
    corpus_dir: Any,
) -> None:
    etags = {path: _current(listings, path)[0] for path in PATHS}
    assert len(set(etags.values())) == len(PATHS)  # keyed on the path and the filters
    for path, kind in KIND.items():
        other = listings.get(f"{path}?limit=1")
        assert other.status_code == 200 and other.headers["etag"] != etags[path], path
        title = f"Pending {kind} for the API"
        _item(any_engine, kind, title, status="pending")
        _moved(listings, path, etags[path])
        etag, _ = _current(listings, path)
        _act(any_engine, title, "approve")  # an editor approves it: now in the listing
        assert title in _titles(_moved(listings, path, etag)), path
        etag, _ = _current(listings, path)
        total = listings.get(path).json()["total"]
        _crawl(any_engine, any_settings, kind, corpus_dir)  # a crawl stores a new one
        assert _moved(listings, path, etag)["total"] > total, path
        etag, _ = _current(listings, path)
        _act(any_engine, title, "reject")  # taken down: gone
        assert title not in _titles(_moved(listings, path, etag)), path


def test_a_304_runs_no_listing_query(listings: TestClient) -> None:  # noqa: F811
    engine = listings.app.state.engine  # type: ignore[attr-defined]
    for path in PATHS:
        with statements(engine) as full:
            page = settled_response(listings, path)
        assert _listing_reads(full), (path, full)  # what a listing runs, seen
        for headers in (
            {"if-none-match": page.headers["etag"]},
            {"if-none-match": "*"},
            {"if-modified-since": page.headers["last-modified"]},
        ):
            with statements(engine) as sent:
                cached = listings.get(path, headers=headers)
            assert cached.status_code == 304, (path, headers)
            assert not _listing_reads(sent), (path, headers, sent)


def test_a_malformed_precondition_is_ignored(listings: TestClient) -> None:  # noqa: F811
    for path in PATHS:
        page = listings.get(path)
        for value in MALFORMED:
            got = listings.get(path, headers={"if-none-match": value})
            assert got.status_code == 200 and got.content == page.content, (path, value)
            assert got.headers["etag"] == page.headers["etag"], (path, value)
        got = listings.get(path, headers={"if-modified-since": "Sun, 31 Feb 2026 08:49:37 GMT"})
        assert got.status_code == 200 and got.content == page.content, path
        bad = listings.get(f"{path}{'&' if '?' in path else '?'}limit=0")
        assert bad.status_code == 422 and "etag" not in bad.headers, path


def test_the_openapi_document_names_the_validators(listings: TestClient) -> None:  # noqa: F811
    document = listings.get("/api/openapi.json").json()
    for path in ("/api/items", "/api/jobs", "/api/notices", "/api/buyers"):
        operation = document["paths"][path]["get"]
        sent = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"If-None-Match", "If-Modified-Since"} <= sent, path
        for status in ("200", "304"):
            headers = operation["responses"][status]["headers"]
            assert {"ETag", "Last-Modified", "Cache-Control"} <= set(headers), (path, status)
            assert headers["ETag"]["required"] is True, (path, status)
        assert "content" not in operation["responses"]["304"], path


@pytest.fixture
def chart(any_engine: Engine, any_settings: Settings) -> Iterator[tuple[TestClient, str, Engine]]:
    issue_id = _issue(any_engine, any_settings)  # built and approved, not sent
    app = create_app(any_settings)
    with TestClient(app) as client:
        yield client, f"/issues/{issue_id}/market/north-west.png", any_engine
    app.state.engine.dispose()


def test_an_unsent_issues_chart_is_304_until_its_adverts_change(
    chart: tuple[TestClient, str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, path, engine = chart
    drawn: list[object] = []
    import newsletter.pulse

    original = newsletter.pulse.render_pulse_chart
    monkeypatch.setattr(
        newsletter.pulse, "render_pulse_chart", lambda **kw: drawn.append(kw) or original(**kw)
    )
    png = settled_response(client, path)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "no-cache" and drawn
    etag, modified = png.headers["etag"], png.headers["last-modified"]
    assert etag.startswith('W/"'), etag
    for headers in (
        {"if-modified-since": modified},
        {"if-none-match": "*"},
        {"if-none-match": etag},
    ):
        drawn.clear()
        cached = client.get(path, headers=headers)
        assert cached.status_code == 304 and cached.content == b"", headers
        assert cached.headers["cache-control"] == "no-cache" and cached.headers["etag"] == etag
    # a current tag before the figures are counted and drawn (`*` or a date only after: a
    # chart with no adverts is a 404, never "your copy is current")
    assert drawn == []
    uk = client.get(path.replace("north-west", "uk"))
    assert uk.status_code == 200 and uk.headers["etag"] != etag  # another chart
    for value in MALFORMED:
        got = client.get(path, headers={"if-none-match": value})
        assert got.status_code == 200 and got.content == png.content, value
    _late_adverts(engine)  # adverts of its week arrive: the live chart changes
    fresh = client.get(path, headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert fresh.content != png.content
    later = settled_response(client, path, **{"if-modified-since": modified})
    assert later.status_code == 200 and later.headers["last-modified"] != modified


def test_a_buyer_changed_moves_the_notices_etag(
    listings: TestClient,  # noqa: F811
    any_engine: Engine,
) -> None:
    """/api/notices shows each notice's buyer slug, from the buyers table: a buyer's new
    slug moves its ETag though no item changed."""
    etag, _ = _current(listings, "/api/notices")
    with write_session(any_engine) as s:
        buyer = s.exec(select(Buyer)).first()
        assert buyer is not None
        buyer.slug = "renamed-buyer"
        s.add(buyer)
    body = _moved(listings, "/api/notices", etag)
    assert "renamed-buyer" in [item["buyer_slug"] for item in body["items"]]


SOURCED = ("/api/items", "/api/jobs", "/api/search?q=standing", "/api/search?q=standing&kind=job")


def test_a_source_renamed_moves_the_etag_of_the_listings_that_show_it(
    listings: TestClient,  # noqa: F811
    any_engine: Engine,
) -> None:
    """The JSON listings show each item's source name, from the sources table: a rename
    (the ORM, or SQL by hand, leaving `updated_at` alone) moves their ETag though no item
    changed, so a client revalidating sees the new name (migration 0028's trigger)."""
    renames = [
        ("the ORM", lambda s: _rename_orm(s, "Listing wire", "Renamed wire")),
        ("SQL by hand", lambda s: s.execute(
            sa.update(Source).where(Source.name == "Renamed wire").values(name="Wire by hand")
        )),
    ]  # fmt: skip
    for how, rename in renames:
        current = {path: _current(listings, path) for path in SOURCED}
        with write_session(any_engine) as s:
            rename(s)
        new = "Renamed wire" if how == "the ORM" else "Wire by hand"
        for path, (etag, _) in current.items():
            body = _moved(listings, path, etag)
            assert new in {item["source"] for item in body["items"]}, (how, path)


def _rename_orm(session: Session, old: str, new: str) -> None:
    source = session.exec(select(Source).where(Source.name == old)).one()
    source.name = new
    session.add(source)


def test_a_chart_with_no_adverts_is_a_404_for_any_copy(
    any_engine: Engine, any_settings: Settings
) -> None:
    """`*` and a date are answered only once the chart is drawn: with nothing to chart it
    is a 404, never a 304 that tells a client its copy is current."""
    with write_session(any_engine) as s:
        upsert_source("Board", session=s, kind="jobs", url="https://ib.example/")
    _story(any_engine)
    issue = build_issue(any_engine, any_settings, now=BUILT)
    assert issue is not None
    app = create_app(any_settings)
    with TestClient(app) as client:
        path = f"/issues/{issue.id}/market/uk.png"
        assert client.get(path).status_code == 404
        for headers in ({"if-none-match": "*"}, {"if-modified-since": http_date(utcnow())}):
            assert client.get(path, headers=headers).status_code == 404, headers
    app.state.engine.dispose()
