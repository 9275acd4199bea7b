"""/buyers and a buyer's page count the same news, jobs and notices: one definition of
each (`kil_feed.storage.buyers`). /buyers counted stories linked by their employer field,
of any age, while the page lists the recent stories naming the buyer (a story saying
"Durham County Council" with no employer was on the page and not counted; a story of last
year was counted and not on the page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.buyers import ITEMS_SHOWN
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from tests.support.notices import store_notices
from tests.support.queries import statements
from tests.web.test_notices_web import FILES


@pytest.fixture
def notices_client(
    any_settings: Settings, any_engine: Engine, corpus_dir: Path
) -> Iterator[TestClient]:
    """The notices of test_notices_web's client, on SQLite and PostgreSQL."""
    store_notices(any_engine, any_settings, [corpus_dir / "ocds" / f for f in FILES])
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.engine.dispose()


ROW = re.compile(r'<th scope="row"><a href="/buyers/([a-z0-9-]+)">[^<]+</a></th>(.*?)</tr>', re.S)
CELL = re.compile(r'<td class="num">(\d+)</td>')
HEADING = re.compile(r"<h2>(Notices|Open jobs|News) \((\d+)\)</h2>")


def _story(engine: Engine, slug: str, title: str, *, days: float, **fields: object) -> None:
    fields.setdefault("status", "approved")
    with write_session(engine) as s:
        source, _ = upsert_source("Council news", session=s, kind="feed", url="https://n.example/")
        save_item(
            Item(
                source_id=source.id, kind="news", url=f"https://n.example/{slug}", title=title,
                summary="A story.", published_at=utcnow() - timedelta(days=days), **fields,
            ),  # type: ignore[arg-type]
            session=s,
        )  # fmt: skip


def _news_of_every_kind(engine: Engine) -> None:
    """Stories the two counts disagreed on, and ones both must leave out."""
    _story(engine, "named", "Durham County Council ends its waste contract", days=2)
    _story(engine, "linked-old", "Budget set", days=200, employer="Durham County Council",
           buyer_key="durham")  # fmt: skip
    _story(engine, "linked", "Peatland plan agreed", days=5, employer="Durham County Council",
           buyer_key="durham")  # fmt: skip
    _story(engine, "pending", "Durham County Council hires", days=1, status="pending")
    _story(engine, "rejected", "Durham County Council spam", days=1, status="rejected")
    _story(engine, "place-only", "Durham weather turns cold", days=1)  # names no council
    _story(engine, "swansea", "City and County of Swansea awards a framework", days=3)


def _listed(client: TestClient, path: str) -> dict[str, list[int]]:
    """Each buyer's (notices, open jobs, news) as the /buyers rows show them, every page."""
    rows: dict[str, list[int]] = {}
    for number in range(1, 20):
        page = client.get(path, params={"sort": "name", "page": number})
        if page.status_code == 404:
            break
        for slug, cells in ROW.findall(page.text):
            notices, _awards, jobs, news = (int(c) for c in CELL.findall(cells))
            rows[slug] = [notices, jobs, news]
    return rows


def test_buyers_and_each_buyer_page_agree_on_a_real_dataset(
    notices_client: TestClient,
    any_engine: Engine,
) -> None:
    _news_of_every_kind(any_engine)
    listed = _listed(notices_client, "/buyers")
    assert len(listed) == 10
    for slug, counts in listed.items():
        page = notices_client.get(f"/buyers/{slug}").text
        shown = {name: int(n) for name, n in HEADING.findall(page)}
        assert counts == [shown["Notices"], shown["Open jobs"], shown["News"]], slug
    assert listed["durham-county-council"][2] == 2  # the named story and the recent linked one
    assert listed["city-and-county-of-swansea"][2] == 1
    api = notices_client.get("/api/buyers", params={"limit": 100}).json()["buyers"]
    assert {b["slug"]: [b["notices"], b["jobs"], b["news"]] for b in api} == listed


def _statements(client: TestClient, path: str, **params: object) -> tuple[int, str]:
    """How many SQL statements a request runs, and its page."""
    with statements(client.app.state.engine) as sent:  # type: ignore[attr-defined]
        page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    return len(sent), page.text


def test_buyers_counts_news_in_as_many_queries_for_one_row_as_for_ten(
    notices_client: TestClient,
    any_engine: Engine,
) -> None:
    """One query per listing: the news of every row of a page are counted together (a
    query per row was an N+1 that grew with the page)."""
    _news_of_every_kind(any_engine)
    notices_client.get("/buyers")  # warm whatever the first request loads once
    many, page = _statements(notices_client, "/buyers", sort="name")
    one, single = _statements(notices_client, "/buyers", q="Durham County")
    assert len(ROW.findall(page)) == 10
    assert [slug for slug, _ in ROW.findall(single)] == ["durham-county-council"]
    assert many == one


def test_buyers_and_its_page_cap_news_alike(
    notices_client: TestClient,
    any_engine: Engine,
) -> None:
    """A buyer's page lists its newest ITEMS_SHOWN stories, and /buyers counts as many."""
    for n in range(ITEMS_SHOWN + 3):
        _story(any_engine, f"many-{n}", f"Durham County Council story {n}", days=1 + n / 10)
    rows = _listed(notices_client, "/buyers")
    page = notices_client.get("/buyers/durham-county-council").text
    assert dict(HEADING.findall(page))["News"] == str(ITEMS_SHOWN)
    assert rows["durham-county-council"][2] == ITEMS_SHOWN


def test_a_buyer_page_reads_only_the_news_it_shows(
    notices_client: TestClient,
    any_engine: Engine,
) -> None:
    """A buyer's page read the whole window of everyone's news (hundreds of stories to
    show fifty): it reads the buyer's candidates only, at most ITEMS_SHOWN * 20 of them, in
    one LIMIT query, and lists the same stories in the same order (newest first, ties by
    the newest id), as /buyers counts them."""
    for n in range(40):  # others' news in the window, newer than the buyer's
        _story(any_engine, f"other-{n}", f"Leeds City Council story {n}", days=0.5)
    for n in range(ITEMS_SHOWN + 10):  # ties: five stories a moment
        title = f"Durham County Council story {n}" if n % 3 else f"Story {n} on waste"
        extra = {} if n % 3 else {"employer": "Durham County Council", "buyer_key": "durham"}
        _story(any_engine, f"durham-{n}", title, days=1 + (n // 5) / 10, **extra)
    _story(any_engine, "durham-place", "Durham weather turns cold", days=0.6)  # not a council
    with write_session(any_engine) as s:
        rows = s.exec(
            select(Item).where(Item.kind == "news", col(Item.url).like("%/durham-%"))
        ).all()
        rows = [r for r in rows if not r.url.endswith("durham-place")]
        rows.sort(key=lambda r: (r.published_at, r.id), reverse=True)
        expected = [r.url for r in rows][:ITEMS_SHOWN]
    with statements(notices_client.app.state.engine) as sent:  # type: ignore[attr-defined]
        page = notices_client.get("/buyers/durham-county-council")
    assert page.status_code == 200, page.text
    news = page.text.split("<h2>News (", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<li><a href="([^"]+)">', news) == expected
    assert dict(HEADING.findall(page.text))["News"] == str(ITEMS_SHOWN)
    window = [s for s in sent if "published_at >=" in s]
    assert len(window) == 1, window  # one query for the listing
    assert "LIMIT" in window[0].upper() and "LIKE" in window[0].upper(), window[0]
    assert _listed(notices_client, "/buyers")["durham-county-council"][2] == ITEMS_SHOWN
