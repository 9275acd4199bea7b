"""Finding things: search over employers, locations and regions (title weighted highest) on
both backends, /api/search, sorting, and filters that take a slug or a name everywhere,
with 422 for values that cannot be right and filtered Atom job feeds."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.search import search_items
from kil_feed.timeutil import utcnow
from tests.support.atomcheck import atom_problems
from tests.support.webdata import Archive, seed_archive


def _add_places(engine: Engine, archive: Archive) -> dict[str, int]:
    """Items whose place is only in the location, only in the title, or only a region tag."""
    now = utcnow()
    rows = {
        "located": dict(
            kind="job", url="https://jobs.example/p1", title="Interim Procurement Lead",
            employer="Acme Interim", location="Stockport", regions=["North West"],
            pay_min=500, pay_period="day", published_at=now - timedelta(hours=1),
        ),
        "titled": dict(
            kind="news", url="https://lgw.example/p2",
            title="Stockport council reviews its outsourcing", regions=[],
            published_at=now - timedelta(days=6),
        ),
    }  # fmt: skip
    ids = {}
    with write_session(engine) as s:
        for name, fields in rows.items():
            item = save_item(Item(source_id=1, status="approved", **fields), session=s)  # type: ignore[arg-type]
            ids[name] = item.id
    archive.items.update(ids)  # type: ignore[arg-type]
    return ids  # type: ignore[return-value]


def test_search_finds_places_employers_and_regions(
    any_engine: Engine, any_settings: Settings
) -> None:
    archive = seed_archive(any_engine, any_settings)
    _add_places(any_engine, archive)
    with read_session(any_engine) as s:

        def ids(text: str, **kw: object) -> list[int]:
            return [h.item.id for h in search_items(text, session=s, **kw).hits]  # type: ignore[arg-type]

        # a word of the title plus a place that is only the job's location; then a job in
        # Stockport's region (the North West) that does not name it
        assert ids("procurement stockport") == [archive.items["located"], archive.items["head"]]
        # the employer is searched
        assert archive.items["located"] in ids("acme")
        # a place name also finds items tagged with its region (Stockport is in the North
        # West), ranked below those naming it; the title match ranks first
        found = ids("stockport")
        assert found[:2] == [archive.items["titled"], archive.items["located"]]
        assert archive.items["insourcing"] in found  # tagged North West, never says Stockport
        assert archive.items["social"] not in found  # London
        # a place of two words, and a region named outright
        assert archive.items["head"] in ids("greater manchester")
        assert set(ids("north west")) >= {archive.items["insourcing"], archive.items["head"]}
        # filters and sorting still apply
        assert ids("stockport", kind="job") == [archive.items["located"], archive.items["head"]]
        newest = ids("stockport", sort="newest")
        assert newest[0] == archive.items["located"] and newest[-1] == archive.items["titled"]


def test_api_search_with_region_kind_and_sort(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    _add_places(engine, archive)
    body = client.get("/api/search", params={"q": "stockport"}).json()
    assert body["query"] == "stockport" and body["sort"] == "relevance"
    assert [i["id"] for i in body["items"]][:2] == [
        archive.items["titled"],
        archive.items["located"],
    ]
    assert body["total"] == len(body["items"])
    jobs = client.get("/api/search", params={"q": "stockport", "kind": "job"}).json()
    assert {i["kind"] for i in jobs["items"]} == {"job"}
    for region in ("north-west", "North West", "NORTH WEST"):
        only = client.get("/api/search", params={"q": "council", "region": region}).json()
        found = {i["id"] for i in only["items"]}
        assert found == {archive.items["insourcing"], archive.items["head"]}, region
    newest = client.get("/api/search", params={"q": "stockport", "sort": "newest"}).json()
    assert newest["items"][0]["id"] == archive.items["located"]
    for bad in ({"kind": "blog"}, {"region": "atlantis"}, {"sort": "random"}, {"q": ""}):
        response = client.get("/api/search", params={"q": "council", **bad})
        assert response.status_code == 422, bad
        assert response.json()["error"], bad


def _titles(html: str) -> list[str]:
    return re.findall(r'class="card-title"><a href="/jobs/\d+">([^<]+)</a>', html)


def test_jobs_sort_by_newest_pay_and_closing(client: TestClient) -> None:
    newest = _titles(client.get("/jobs").text)
    assert newest == ["Interim Head of Procurement", "Category Manager, Adult Social Care",
                      "Commissioning Lead"]  # fmt: skip
    # pay as a day rate: 650 a day, 68,000 a year (309 a day), 450 a day
    assert _titles(client.get("/jobs", params={"sort": "pay"}).text) == [
        "Interim Head of Procurement", "Category Manager, Adult Social Care", "Commissioning Lead"
    ]  # fmt: skip
    # closing soonest (10 days, 20 days), the undated one last
    assert _titles(client.get("/jobs", params={"sort": "closing"}).text) == [
        "Interim Head of Procurement", "Category Manager, Adult Social Care", "Commissioning Lead"
    ]  # fmt: skip
    api = client.get("/api/jobs", params={"sort": "pay", "include_closed": "true"}).json()
    assert [j["title"] for j in api["items"]] == [
        "Interim Head of Procurement", "Contracts Manager", "Category Manager, Adult Social Care",
        "Commissioning Lead",
    ]  # fmt: skip
    assert client.get("/api/jobs", params={"sort": "cheapest"}).status_code == 422
    page = client.get("/jobs", params={"sort": "pay"}).text
    assert '<option value="pay" selected>' in page


def test_search_page_sorts(client: TestClient, archive: Archive) -> None:
    page = client.get("/search", params={"q": "procurement", "sort": "newest"})
    assert page.status_code == 200 and '<option value="newest" selected>' in page.text
    assert client.get("/search", params={"q": "x", "sort": "upside"}).status_code == 422


def test_filters_take_a_slug_or_a_name_everywhere(client: TestClient) -> None:
    for region in ("north-west", "North West", "north west", "North+West"):
        jobs = _titles(client.get("/jobs", params={"region": region.replace("+", " ")}).text)
        assert jobs == ["Interim Head of Procurement"], region
        news = client.get("/news", params={"region": region.replace("+", " ")}).text
        assert "Council brings waste collection back in-house" in news, region
        api = client.get("/api/items", params={"region": region.replace("+", " ")}).json()
        assert api["total"] == 1, region
    assert "New guidance on social value" in client.get("/news?topic=social-value").text
    assert "New guidance on social value" in client.get("/news?source=procurement-weekly").text
    assert _titles(client.get("/jobs?contract_type=Interim").text) == [
        "Interim Head of Procurement"
    ]
    # links use the one canonical form: the slug
    page = client.get("/jobs?region=North West").text
    assert '<option value="north-west" selected>' in page
    assert 'href="/jobs?region=north-west"' in page
    assert 'href="/feeds/jobs.xml?region=north-west"' in page


def test_bad_filter_values_answer_422(client: TestClient) -> None:
    for path, params, message in (
        ("/jobs", {"rate_min": "abc"}, "invalid rate_min"),
        ("/jobs", {"region": "Atlantis"}, "unknown region"),
        ("/jobs", {"closed": "maybe"}, "invalid closed"),
        ("/jobs", {"sort": "sideways"}, "invalid sort"),
        ("/news", {"region": "Narnia"}, "unknown region"),
        ("/search", {"q": "council", "kind": "blog"}, "invalid kind"),
        ("/feeds/jobs.xml", {"rate_min": "lots"}, "invalid rate_min"),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert message in response.text, (path, params)
    page = client.get("/jobs", params={"rate_min": "abc"}).text
    assert 'role="alert"' in page and 'id="f-min"' in page  # the page, its form and a message
    api = client.get("/api/jobs", params={"rate_min": "abc"})
    assert api.status_code == 422 and "rate_min" in api.json()["error"]
    for amount in ("inf", "1e400", "10000000"):  # the page refuses them: the API did not
        for name in ("rate_min", "rate_max"):
            api = client.get("/api/jobs", params={name: amount})
            assert api.status_code == 422 and name in api.json()["error"], (name, amount)
    assert client.get("/api/items", params={"region": "Atlantis"}).status_code == 422


def test_odd_page_numbers_answer_422(client: TestClient) -> None:
    """A superscript digit passes `str.isdigit` but not `int`, and `int` refuses more than
    4,300 digits: both were a 500."""
    for path in ("/news", "/jobs", "/notices", "/search?q=council"):
        for page in ("²", "١", "9" * 5000, "0", "-1", "1.5", "10001"):
            response = client.get(path, params={"page": page})
            assert response.status_code == 422, (path, page[:10], response.text[:200])
            assert "invalid page" in response.text, (path, page[:10])
        assert client.get(path, params={"page": " 1 "}).status_code == 200, path


def test_filtered_job_feeds(client: TestClient, archive: Archive) -> None:
    response = client.get(
        "/feeds/jobs.xml",
        params={"region": "north-west", "rate_min": "500", "contract_type": "interim"},
    )
    assert response.status_code == 200 and atom_problems(response.content) == []
    body = response.text
    assert body.count("<entry>") == 1 and "Interim Head of Procurement" in body
    assert "<title>Jobs in North West · Keep it Local feed</title>" in body
    assert (
        'href="https://kil.example.org/jobs?region=north-west&amp;contract_type=interim&amp;rate_min=500"'
        in body
    )
    assert 'rel="self"' in body and "/feeds/jobs.xml?region=north-west" in body
    none = client.get("/feeds/jobs.xml", params={"region": "london", "rate_min": "900"}).text
    assert "<entry>" not in none
