"""/buyers: the buyers index (search, sorts, counts, pages, validators) and /api/buyers."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from tests.support.waiting import settled_response
from tests.web.test_notices_web import notices_client  # noqa: F401 - the shared fixture

DURHAM = "Durham County Council"


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/buyers/[a-z0-9-]+">([^<]+)</a>', html)


def _row(html: str, name: str) -> list[str]:
    """The cells of a buyer's row after its name: type, counts, last activity."""
    row = re.search(rf">{re.escape(name)}</a></th>(.*?)</tr>", html, re.S)
    assert row, f"{name} is not listed"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])]


def _add_job(engine: Engine, status: str = "approved", closes_in: float | None = None) -> int:
    with write_session(engine) as s:
        source, _ = upsert_source("Jobs board", session=s, kind="jobs", url="https://j.example/")
        item = Item(
            source_id=source.id, kind="job", status=status, url=f"https://j.example/{status}-{closes_in}",
            title="Interim Head of Procurement", summary="Six months, day rate £650.",
            employer=DURHAM, buyer_key="durham", published_at=utcnow() - timedelta(hours=1),
            closes_at=None if closes_in is None else utcnow() + timedelta(days=closes_in),
        )  # fmt: skip
        return int(save_item(item, session=s).id)  # type: ignore[arg-type]


def test_buyers_index_lists_every_buyer_with_counts(notices_client: TestClient) -> None:  # noqa: F811
    page = notices_client.get("/buyers")
    assert page.status_code == 200
    names = _names(page.text)
    assert len(names) == 10 and "10 buyers" in page.text
    assert names[0] == DURHAM  # latest activity first: its contract notice of 30 September
    assert _row(page.text, DURHAM) == ["Local authority · North East", "1", "1", "0", "0",
                                       "30 Sep 2026"]  # fmt: skip
    assert 'href="/buyers/durham-county-council"' in page.text
    assert '<a href="/buyers" aria-current="page">Buyers</a>' in page.text  # the nav
    buyer = notices_client.get("/buyers/durham-county-council").text
    assert '<a href="/buyers">' in buyer and 'aria-current="page">Buyers</a>' in buyer


def test_buyers_sort_by_name_and_busiest(notices_client: TestClient) -> None:  # noqa: F811
    names = _names(notices_client.get("/buyers", params={"sort": "name"}).text)
    assert names == sorted(names, key=str.lower) and len(names) == 10
    by_activity = _names(notices_client.get("/buyers").text)
    assert by_activity != names and sorted(by_activity) == sorted(names)
    bad = notices_client.get("/buyers", params={"sort": "random"})
    assert bad.status_code == 422 and "invalid sort" in bad.text


def test_buyers_search(notices_client: TestClient) -> None:  # noqa: F811
    def found(q: str) -> list[str]:
        return _names(notices_client.get("/buyers", params={"q": q}).text)

    assert found("durham") == [DURHAM]
    assert found("DURHAM COUNTY") == [DURHAM]
    assert found("City & County") == ["City &amp; County of Swansea"]
    assert found("city and county of swansea") == ["City &amp; County of Swansea"]  # & = and
    for pattern in ("%", "_", "Durham%"):
        assert found(pattern) == [], pattern
    empty = notices_client.get("/buyers", params={"q": "Nowhere Borough"})
    assert empty.status_code == 200 and "0 buyers" in empty.text
    assert "No buyer's name contains “Nowhere Borough”" in empty.text
    assert notices_client.get("/buyers", params={"q": "x" * 201}).status_code == 422


def test_buyers_pages(notices_client: TestClient) -> None:  # noqa: F811
    """Ten buyers three to a page: four pages, each buyer once; by name the pager says
    Previous and Next (the pages are not newer or older), by activity Newer and Older."""
    notices_client.app.state.settings.web.page_size = 3  # type: ignore[attr-defined]
    names: list[str] = []
    for number in range(1, 5):
        page = notices_client.get("/buyers", params={"sort": "name", "page": number}).text
        assert f"Page {number} of 4" in page
        names += _names(page)
    assert len(names) == 10 and names == sorted(names, key=str.lower)
    second = notices_client.get("/buyers", params={"sort": "name", "page": 2}).text
    assert 'rel="next" href="?sort=name&amp;page=3">Next →' in second
    assert 'rel="prev" href="?sort=name&amp;page=1">← Previous' in second
    by_activity = notices_client.get("/buyers", params={"page": 2}).text
    assert 'rel="next" href="?page=3">Older →' in by_activity
    assert notices_client.get("/buyers", params={"sort": "name", "page": 5}).status_code == 404
    assert notices_client.get("/buyers", params={"page": "x"}).status_code == 422


def test_buyers_conditional_get_and_counts_follow_items(
    notices_client: TestClient,  # noqa: F811
    engine: Engine,
) -> None:
    first = settled_response(notices_client, "/buyers")  # the notices were stored just now
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = notices_client.get("/buyers", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    since = notices_client.get("/buyers", headers={"if-modified-since": modified})
    assert since.status_code == 304
    _add_job(engine)
    fresh = notices_client.get("/buyers", headers={"if-none-match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert _row(fresh.text, DURHAM)[1:5] == ["1", "1", "1", "0"]
    api = notices_client.get("/api/buyers", params={"q": "durham"}).json()["buyers"]
    assert [(b["notices"], b["awards"], b["jobs"], b["news"]) for b in api] == [(1, 1, 1, 0)]


def test_buyers_count_published_items_only(
    notices_client: TestClient,  # noqa: F811
    engine: Engine,
) -> None:
    _add_job(engine, status="pending")
    _add_job(engine, closes_in=-1)  # closed yesterday: the buyer's page lists open jobs
    assert _row(notices_client.get("/buyers").text, DURHAM)[3] == "0"
    _add_job(engine, closes_in=7)
    assert _row(notices_client.get("/buyers").text, DURHAM)[3] == "1"
    open_jobs = notices_client.get("/buyers/durham-county-council").text
    assert "<h2>Open jobs (1)</h2>" in open_jobs


def test_api_buyers_is_the_twin_of_the_page(notices_client: TestClient) -> None:  # noqa: F811
    for sort in ("name", "activity", "busiest"):
        page = _names(notices_client.get("/buyers", params={"sort": sort}).text)
        body = notices_client.get("/api/buyers", params={"sort": sort}).json()
        assert [b["name"] for b in body["buyers"]] == [n.replace("&amp;", "&") for n in page]
        assert (body["total"], body["sort"], body["offset"]) == (10, sort, 0)
    durham = notices_client.get("/api/buyers", params={"q": "durham"})
    assert durham.json()["buyers"][0]["last_activity"] == "2026-09-30T10:59:50+00:00"
    cached = notices_client.get("/api/buyers", headers={"if-none-match": durham.headers["etag"]})
    assert cached.status_code == 200  # another query, another body
    same = notices_client.get(
        "/api/buyers", params={"q": "durham"}, headers={"if-none-match": durham.headers["etag"]}
    )
    assert same.status_code == 304
    paged = notices_client.get("/api/buyers", params={"limit": 3, "offset": 9}).json()
    assert paged["total"] == 10 and len(paged["buyers"]) == 1
    spec = notices_client.get("/api/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/buyers"]["get"]["parameters"]}
    assert {"q", "sort", "limit", "offset"} <= params
