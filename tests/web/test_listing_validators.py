"""/news, /jobs and /notices answer conditional GETs as their feeds do: an ETag of the page
(its filters and rows) and Last-Modified when its listing, or a menu it shows, last
changed; 304 while the copy is current, 200 once something it shows changed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item, Source
from kil_feed.storage.items import save_item
from kil_feed.timeutil import utcnow
from tests.support.notices import store_notices
from tests.support.waiting import settled_response
from tests.support.webdata import Archive

NOTICES = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"
PAGES = {  # a filtered page and the other filter of it, each to tell apart
    "/news?topic=outsourcing": "/news?topic=finance",
    "/jobs?region=north-west": "/jobs",
    "/notices?region=north-east": "/notices",
}


@pytest.fixture
def listings(
    client: TestClient, engine: Engine, settings: Settings, corpus_dir: Path, archive: Archive
) -> TestClient:
    store_notices(engine, settings, [corpus_dir / "ocds" / NOTICES], approve=False)
    with write_session(engine) as s:
        for notice in s.exec(select(Item).where(Item.kind == "notice")):
            notice.status = "approved"
            s.add(notice)
    return client


def _add(engine: Engine, kind: str, title: str, **fields: object) -> int:
    with write_session(engine) as s:
        item = Item(
            source_id=1, kind=kind, status="approved", url=f"https://n.example/{title}",
            title=title, summary="New.", published_at=utcnow() - timedelta(minutes=5), **fields,
        )  # type: ignore[arg-type]  # fmt: skip
        return int(save_item(item, session=s).id)  # type: ignore[arg-type]


def _current(client: TestClient, path: str) -> tuple[str, str]:
    first = settled_response(client, path)
    assert first.status_code == 200, path
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"if-none-match": etag}, {"if-modified-since": modified}):
        cached = client.get(path, headers=headers)
        assert cached.status_code == 304 and cached.content == b"", (path, headers)
        assert cached.headers["etag"] == etag, path
    return etag, modified


def _changed(client: TestClient, path: str, etag: str, modified: str, shown: str) -> None:
    fresh = client.get(path, headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag, path
    assert shown in fresh.text, (path, shown)
    later = settled_response(client, path, **{"if-modified-since": modified})
    assert later.status_code == 200 and later.headers["last-modified"] != modified, path


def test_listings_answer_304_until_their_listing_changes(
    listings: TestClient, engine: Engine
) -> None:
    for path, other in PAGES.items():
        etag, _ = _current(listings, path)
        assert listings.get(other).headers["etag"] != etag, (path, other)  # keyed on filters
    changes = {
        "/news?topic=outsourcing": ("news", {"topics": ["outsourcing"]}),
        "/jobs?region=north-west": ("job", {"regions": ["North West"]}),
        "/notices?region=north-east": ("notice", {"regions": ["North East"]}),
    }
    for path, (kind, fields) in changes.items():
        etag, modified = _current(listings, path)
        title = f"Fresh {kind} in the listing"
        _add(engine, kind, title, **fields)
        _changed(listings, path, etag, modified, title)
        etag, modified = _current(listings, path)
        with write_session(engine) as s:  # taken down: gone from the page, nothing added
            item = s.exec(select(Item).where(Item.title == title)).one()
            item.status, item.updated_at = "rejected", utcnow()
            s.add(item)
        _changed(listings, path, etag, modified, "")
        assert title not in listings.get(path).text


def test_a_listing_follows_its_menus(listings: TestClient, engine: Engine) -> None:
    """A source renamed changes no item: the page shows the new name once the menus are
    read again, and its Last-Modified moves with them."""
    listings.app.state.facets.ttl = 0  # type: ignore[attr-defined]  # read on every page
    etag, modified = _current(listings, "/news")
    assert _current(listings, "/news") == (etag, modified)  # the same menus read again
    with write_session(engine) as s:
        source = s.exec(select(Source).where(Source.name == "LocalGov Wire")).one()
        source.title = "LocalGov Wire Daily"
        s.add(source)
    _changed(listings, "/news", etag, modified, "LocalGov Wire Daily")


def test_a_bad_filter_is_not_cached(listings: TestClient) -> None:
    for path in ("/news?page=abc", "/jobs?sort=random", "/notices?stage=bogus", "/news?page=50"):
        bad = listings.get(path)
        assert bad.status_code in (404, 422) and "etag" not in bad.headers, path
