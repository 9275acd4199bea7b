"""/notices, /notices/{id}, /buyers/{slug}, the notices Atom feed and /api/notices|buyers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.web.app import create_app
from tests.support.atomcheck import atom_problems
from tests.support.notices import store_notices
from tests.support.waiting import settled_response

FILES = (
    "findatender_2026-09-03_release-package_page1_5_releases_links-next.json",
    "findatender_2026-09-03_release-package_final_page_3_releases.json",
    "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json",
    "sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json",
)
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def notices_client(settings: Settings, engine: Engine, corpus_dir: Path) -> Iterator[TestClient]:
    store_notices(engine, settings, [corpus_dir / "ocds" / f for f in FILES])
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
    app.state.engine.dispose()


def _titles(html: str) -> list[str]:
    import re

    return re.findall(r'<h3 class="card-title"><a href="/notices/\d+">([^<]+)</a>', html)


def test_notices_page_and_filters(notices_client: TestClient) -> None:
    page = notices_client.get("/notices")
    assert page.status_code == 200
    assert "10 notices" in page.text
    tender = "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"
    assert tender in _titles(page.text)
    swansea = (
        "Framework Agreement for the Provision of Agency Social Workers and Adult Services "
        "Support Lots 1 &amp; 2"
    )
    by_region = notices_client.get("/notices", params={"region": "Wales"}).text
    assert _titles(by_region) == [swansea]
    contract = _titles(notices_client.get("/notices", params={"stage": "contract"}).text)
    assert "Murton MOD Area Victor West Peatland Restoration Project" in contract
    assert tender not in contract
    councils = _titles(notices_client.get("/notices?buyer_type=local-authority").text)
    assert "SOL30024 SOL Concessions in Solihull Parks 2026" in councils
    assert tender not in councils
    assert _titles(notices_client.get("/notices?cpv=7941").text) == [tender]
    big = _titles(notices_client.get("/notices?value=1m-10m").text)
    assert "ServiceNow Development &amp; Managed Services Delivery Partner" in big
    assert tender not in big
    closing = _titles(notices_client.get("/notices?closing_before=2025-12-31").text)
    assert closing == [swansea]  # closes 3 Mar 2025; the UK4 tender on 21 Sep 2026
    assert tender in _titles(notices_client.get("/notices?closing_before=2026-09-30").text)
    # a region by slug as by name; a bad value answers 422 with the form and the message
    assert _titles(notices_client.get("/notices?region=wales").text) == [swansea]
    for query, message in [
        ("stage=bogus", "invalid stage: &#39;bogus&#39;"),
        ("cpv=x1", "invalid cpv: &#39;x1&#39;"),
        ("value=lots", "invalid value: &#39;lots&#39;"),
        ("closing_before=soon", "invalid closing_before: &#39;soon&#39;"),
        ("region=atlantis", "atlantis"),
    ]:
        odd = notices_client.get(f"/notices?{query}")
        assert odd.status_code == 422, query
        assert message in odd.text, (query, odd.text[-2000:])
    assert notices_client.get("/api/notices?stage=bogus").status_code == 422


def test_a_cpv_prefix_is_ascii_digits_on_the_page_as_in_the_api(
    notices_client: TestClient,
) -> None:
    """`str.isdigit` takes "²" and "٧": the page listed nothing for them with a 200, where
    the API's pattern answers 422."""
    for cpv in ("²", "٧٩", "7941²"):
        assert notices_client.get("/api/notices", params={"cpv": cpv}).status_code == 422, cpv
        page = notices_client.get("/notices", params={"cpv": cpv})
        assert page.status_code == 422 and "invalid cpv" in page.text, cpv


def test_closing_before_is_a_calendar_date_on_the_page_as_in_the_api(
    notices_client: TestClient,
) -> None:
    """The API's pydantic date took `closing_before=0.0` (a Unix time: 1 January 1970) and
    `2026-07-01T00:00:00` with a 200 that the page refused; the page's strptime took
    `2026-7-1`, which the API refused. Both now take YYYY-MM-DD only, as documented."""
    for day in ("0.0", "1767225600", "2026-07-01T00:00:00", "2026-07-01T00:00:00Z", "2026-7-1",
                "20260701", "2026-W27-3", "２０２６-07-01"):  # fmt: skip
        api = notices_client.get("/api/notices", params={"closing_before": day})
        assert api.status_code == 422, (day, api.text)
        assert api.json()["error"].startswith("invalid closing_before"), day
        page = notices_client.get("/notices", params={"closing_before": day})
        assert page.status_code == 422 and "invalid closing_before" in page.text, day
    for day in ("2026-07-01", " 2026-07-01 "):
        assert notices_client.get("/api/notices", params={"closing_before": day}).status_code == 200
        assert notices_client.get("/notices", params={"closing_before": day}).status_code == 200


def test_notice_page_timeline_and_buyer_page(notices_client: TestClient) -> None:
    listing = notices_client.get("/api/notices", params={"stage": "contract", "limit": 100})
    durham = next(n for n in listing.json()["items"] if n["buyer"] == "Durham County Council")
    assert durham["buyer_slug"] == "durham-county-council"
    assert durham["notice"]["notice_type"] == "UK7"
    assert [h["id"] for h in durham["history"]] == ["027320-2025", "092299-2026"]
    page = notices_client.get(f"/notices/{durham['id']}")
    assert page.status_code == 200
    assert "Planned procurement" in page.text and "Contract details published" in page.text
    assert 'href="https://www.find-tender.service.gov.uk/Notice/092299-2026"' in page.text
    assert "Dinsdale Moorland Specialists Ltd" in page.text and "£395,493" in page.text
    assert 'href="/buyers/durham-county-council"' in page.text
    buyer = notices_client.get("/buyers/durham-county-council")
    assert buyer.status_code == 200 and "Murton MOD Area" in buyer.text
    assert notices_client.get("/buyers/nobody").status_code == 404
    assert notices_client.get("/notices/999999").status_code == 404


def test_notices_atom_feed_per_region(notices_client: TestClient) -> None:
    feed = notices_client.get("/feeds/notices.xml", params={"region": "West Midlands"})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith(
        "application/atom+xml"
    )
    root = ET.fromstring(feed.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert "SOL30024 SOL Concessions in Solihull Parks 2026" in titles
    assert "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation" not in titles
    links = [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]  # type: ignore[union-attr]
    assert all(link.startswith("https://kil.example.org/notices/") for link in links)


def test_a_filtered_notices_feed_is_valid_atom(notices_client: TestClient) -> None:
    """The feed's id and links carry its filters as slugs, URL-encoded: they were the raw
    values ("?region=North West", "topic=a b&c"), no IRI, so feed validators refused it."""
    for params in (
        {"region": "north-west"},
        {"region": "West Midlands", "topic": "a b&c#d"},
        {"topic": "Social Value"},
    ):
        feed = notices_client.get("/feeds/notices.xml", params=params)
        assert feed.status_code == 200, params
        assert atom_problems(feed.content) == [], params
    root = ET.fromstring(
        notices_client.get("/feeds/notices.xml", params={"region": "West Midlands"}).content
    )
    self_link = next(link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == "https://kil.example.org/feeds/notices.xml?region=west-midlands"
    assert root.findtext(f"{ATOM}id") == self_link.get("href")


def test_api_buyers_q_is_text_not_a_like_pattern(notices_client: TestClient) -> None:
    """`q` is "only names containing this": q=% or q=_ listed every buyer."""
    for q in ("%", "_", "%%", "Durham%", "\\"):
        assert notices_client.get("/api/buyers", params={"q": q}).json()["buyers"] == [], q
    found = notices_client.get("/api/buyers", params={"q": "durham county"}).json()["buyers"]
    assert [b["slug"] for b in found] == ["durham-county-council"]


def test_api_buyers(notices_client: TestClient) -> None:
    buyers = notices_client.get("/api/buyers").json()["buyers"]
    slugs = {b["slug"] for b in buyers}
    assert {"durham-county-council", "leeds-city-council", "arts-council-england"} <= slugs
    leeds = notices_client.get("/api/buyers/leeds-city-council").json()
    assert leeds["local_authority_code"] == "GB-LDS"
    assert leeds["identifier"] == "GB-PPON-PJYG-6658-PPMY"
    assert leeds["web_url"] == "https://kil.example.org/buyers/leeds-city-council"
    assert notices_client.get("/api/buyers/nobody").status_code == 404
    spec = notices_client.get("/api/openapi.json")
    if spec.status_code == 200:
        assert "/api/notices" in spec.json()["paths"]


def test_closing_before_ends_the_day_in_uk_time(
    any_engine: Engine, any_settings: Settings, corpus_dir: Path
) -> None:
    """`closing_before=2026-07-01` ended at midnight UTC, 01:00 BST: a tender closing at
    00:30 BST on 2 July (23:30 UTC on 1 July) was listed as closing by 1 July. The day now
    ends in the configured zone (Europe/London), in summer and winter, page and API alike,
    on SQLite and PostgreSQL."""
    import re
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from kil_feed.db import write_session
    from kil_feed.models import Item

    store_notices(any_engine, any_settings, [corpus_dir / "ocds" / FILES[0]])
    with write_session(any_engine) as s:
        ids = sorted(s.execute(sa.select(Item.id).where(Item.kind == "notice")).scalars())[:4]
        closing = {
            ids[0]: datetime(2026, 7, 1, 22, 30, tzinfo=UTC),  # 23:30 BST on 1 July
            ids[1]: datetime(2026, 7, 1, 23, 30, tzinfo=UTC),  # 00:30 BST on 2 July
            ids[2]: datetime(2026, 12, 1, 23, 30, tzinfo=UTC),  # 23:30 GMT on 1 December
            ids[3]: datetime(2026, 12, 2, 0, 30, tzinfo=UTC),  # 00:30 GMT on 2 December
        }
        s.execute(sa.update(Item).values(closes_at=None))
        for item_id, when in closing.items():
            s.execute(sa.update(Item).where(Item.id == item_id).values(closes_at=when))
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        for day, expected in (
            ("2026-07-01", [ids[0]]),
            ("2026-07-02", ids[:2]),
            ("2026-12-01", ids[:3]),
            ("2026-12-02", ids),
        ):
            api = client.get("/api/notices", params={"closing_before": day, "limit": 100})
            assert api.status_code == 200, api.text
            assert sorted(n["id"] for n in api.json()["items"]) == expected, day
            page = client.get("/notices", params={"closing_before": day}).text
            listed = re.findall(r'<h3 class="card-title"><a href="/notices/(\d+)"', page)
            assert sorted(map(int, listed)) == expected, day
    app.state.engine.dispose()


def test_sitemap_lists_the_notices(notices_client: TestClient) -> None:
    """The sitemap predates notices: it listed the job pages but no notice page, nor
    /notices or /market, and its Last-Modified did not follow the notices."""
    sitemap = settled_response(notices_client, "/sitemap.xml")  # the notices are new
    assert sitemap.status_code == 200
    root = ET.fromstring(sitemap.content)
    locs = {e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    notices = notices_client.get("/api/notices", params={"limit": 100}).json()["items"]
    assert notices
    pages = {f"https://kil.example.org/notices/{n['id']}" for n in notices}
    assert pages <= locs
    assert {"https://kil.example.org/notices", "https://kil.example.org/market"} <= locs
    assert "last-modified" in sitemap.headers
