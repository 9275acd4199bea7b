"""Notices sources crawled against a loopback emulation of Find a Tender and Contracts Finder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kil_feed.db import read_session, write_session
from kil_feed.models import Source
from kil_feed.storage.sources import get_source
from tests.support.crawl import add_source, crawl, items_of
from tests.support.ocds_api import cf_api, fts_api

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
FTS_FINAL = "findatender_2026-09-03_release-package_final_page_3_releases.json"
CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"
NOW = datetime.now(UTC)


def _releases(ocds_dir: Path, *names: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in names:
        out += json.loads((ocds_dir / name).read_text(encoding="utf-8"))["releases"]
    return out


def _recent(releases: list[dict[str, Any]], days_ago: float = 1) -> list[dict[str, Any]]:
    """The real releases re-dated into the crawl's window (their order kept)."""
    base = NOW - timedelta(days=days_ago)
    return [
        {**r, "date": (base + timedelta(seconds=i)).isoformat()} for i, r in enumerate(releases)
    ]


@pytest.fixture
def ocds_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "ocds"


def _notices(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {i.guid: i for i in items_of(engine, "fts")}


def test_fts_pages_with_cursor_one_item_per_ocid(http_server, crawl_settings, crawl_engine,
                                                 ocds_dir):  # type: ignore[no-untyped-def]  # fmt: skip
    api = fts_api(http_server, _recent(_releases(ocds_dir, FTS_PAGE1, FTS_FINAL)))
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts", "page_size": 3})
    summary = crawl(crawl_settings)["fts"]
    assert summary.error is None, summary.error
    assert summary.new == 8
    first_pages = [r for r in api.served if "cursor" not in r.query]
    assert len(first_pages) == 1 and len(api.served) == 3  # 8 releases, 3 a page
    query = first_pages[0].query
    assert query["limit"] == ["3"]
    # offset-less UK local times, 14 days back by default
    start = datetime.fromisoformat(query["updatedFrom"][0])
    assert start.tzinfo is None
    assert abs((NOW.replace(tzinfo=None) - start) - timedelta(days=14)) < timedelta(hours=2)
    items = _notices(crawl_engine)
    durham_like = items["ocds-h6vhtk-06f1b2"]  # the UK4 tender of Arts Council England
    assert durham_like.kind == "notice"
    assert durham_like.title == "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"
    assert durham_like.employer == "Arts Council England"
    assert durham_like.regions == ["North West"]
    assert durham_like.url == "https://www.find-tender.service.gov.uk/Notice/083662-2026"
    assert durham_like.closes_at == datetime(2026, 9, 21, 9, 0, tzinfo=UTC)
    notice = durham_like.extra["notice"]
    assert notice["notice_type"] == "UK4" and notice["value_amount"] == 15000.0
    with read_session(crawl_engine) as session:
        checkpoint = get_source("fts", session=session).checkpoint
    assert checkpoint is not None and checkpoint["next"] is None
    assert datetime.fromisoformat(checkpoint["done_until"]) >= NOW - timedelta(minutes=5)

    # the next crawl asks only since then (less the overlap), and changes nothing
    again = crawl(crawl_settings)["fts"]
    assert (again.new, again.updated) == (0, 0) and again.error is None
    window = api.windows()[-1]
    asked_from = datetime.fromisoformat(window[0]).replace(tzinfo=None)
    local_done = datetime.fromisoformat(checkpoint["done_until"]).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/London")).replace(tzinfo=None)  # fmt: skip
    assert local_done - asked_from == timedelta(minutes=60)


def test_lifecycle_updates_one_item_with_history(http_server, crawl_settings, crawl_engine,
                                                 ocds_dir):  # type: ignore[no-untyped-def]  # fmt: skip
    page = _releases(ocds_dir, FTS_PAGE1)
    by_id = {r["id"]: r for r in page}
    ocid = "ocds-h6vhtk-06f1b2"
    tender = {**by_id["083662-2026"], "date": (NOW - timedelta(days=3)).isoformat()}
    api = fts_api(http_server, [tender])
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    assert crawl(crawl_settings)["fts"].new == 1
    # then the contract details (UK7) and a change (UK10) of the same procurement arrive
    award = {**by_id["083608-2026"], "ocid": ocid, "date": NOW.isoformat()}
    change = {**by_id["083674-2026"], "ocid": ocid,
              "date": (NOW + timedelta(seconds=1)).isoformat()}  # fmt: skip
    api.releases = [tender, award]
    second = crawl(crawl_settings)["fts"]
    assert (second.new, second.updated) == (0, 1), second
    api.releases = [tender, award, change]
    third = crawl(crawl_settings)["fts"]
    assert (third.new, third.updated) == (0, 1), third
    items = items_of(crawl_engine, "fts")
    assert len(items) == 1
    item = items[0]
    assert [h["id"] for h in item.extra["history"]] == ["083662-2026", "083608-2026",
                                                        "083674-2026"]  # fmt: skip
    assert item.extra["notice"]["stage"] == "amendment"
    assert item.extra["notice"]["releases"] == 3
    # the tender's deadline is still known; the open-tender closing date is gone
    assert item.extra["notice"]["tender_deadline"] == "2026-09-21T10:00:00+01:00"
    assert item.closes_at is None
    assert item.url == "https://www.find-tender.service.gov.uk/Notice/083662-2026"


def test_429_retry_after_and_5xx_are_retried(http_server, crawl_settings, crawl_engine,
                                             ocds_dir):  # type: ignore[no-untyped-def]  # fmt: skip
    api = fts_api(http_server, _recent(_releases(ocds_dir, FTS_PAGE1)))
    api.script = [
        (429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"),
        (503, {"Content-Type": "text/plain"}, b"busy"),
    ]
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    summary = crawl(crawl_settings)["fts"]
    assert summary.error is None and summary.new == 5
    assert len(api.served) == 3
    # the retry after the 429 waited for the server's Retry-After (one second)
    assert api.served_at[1] - api.served_at[0] >= 0.95


def test_5xx_mid_pagination_is_recorded_and_the_next_crawl_resumes(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, ocds_dir
):
    api = fts_api(http_server, _recent(_releases(ocds_dir, FTS_PAGE1, FTS_FINAL)))
    import base64

    second_page = base64.b64encode(b"3").decode()
    api.fail_cursor[second_page] = (500, {"Content-Type": "text/plain"}, b"oops")
    add_source(crawl_engine, "fts", api.url, kind="notices",
               options={"api": "fts", "page_size": 3})  # fmt: skip
    first = crawl(crawl_settings)["fts"]
    assert first.new == 3
    assert first.error is not None and "HTTP 500 on page 2" in first.error
    with read_session(crawl_engine) as session:
        source = get_source("fts", session=session)
        checkpoint = source.checkpoint
        assert source.last_error and "HTTP 500" in source.last_error
    assert checkpoint is not None and "cursor=" in checkpoint["next"]
    assert "done_until" not in checkpoint  # the window is not done: never skipped
    # the service recovers: the next crawl starts from page 2's cursor, not the window again
    api.fail_cursor.clear()
    before = len(api.served)
    second = crawl(crawl_settings)["fts"]
    assert second.error is None and second.new == 5
    assert all("cursor" in r.query for r in api.served[before:])
    with read_session(crawl_engine) as session:
        assert (
            get_source("fts", session=session).checkpoint["done_until"] == checkpoint["window_to"]
        )


def test_malformed_page_is_recorded_nothing_lost(http_server, crawl_settings, crawl_engine,
                                                 ocds_dir):  # type: ignore[no-untyped-def]  # fmt: skip
    api = fts_api(http_server, _recent(_releases(ocds_dir, FTS_PAGE1)))
    api.script = [(200, {"Content-Type": "application/json"}, b'{"releases": [{"ocid": ')]
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    first = crawl(crawl_settings)["fts"]
    assert first.error is not None and "malformed JSON" in first.error
    with read_session(crawl_engine) as session:
        assert get_source("fts", session=session).checkpoint is None
    second = crawl(crawl_settings)["fts"]
    assert second.error is None and second.new == 5


def test_contracts_finder_with_filters(http_server, crawl_settings, crawl_engine, ocds_dir):  # type: ignore[no-untyped-def]
    api = cf_api(http_server, _recent(_releases(ocds_dir, CF_2025)))
    add_source(crawl_engine, "cf", api.url, kind="notices",
               options={"api": "contracts-finder", "buyer_types": ["local-authority"],
                        "regions": ["London"], "stages": ["award"]})  # fmt: skip
    summary = crawl(crawl_settings)["cf"]
    assert summary.error is None, summary.error
    items = items_of(crawl_engine, "cf")
    assert items and summary.new == len(items)
    assert all(i.extra["notice"]["buyer_type"] == "local-authority" for i in items)
    assert all(i.regions[0] == "London" for i in items)
    assert all(i.extra["notice"]["stage"] == "award" for i in items)
    names = {i.employer for i in items}
    assert "London Borough of Merton" in names
    query = api.served[0].query
    assert "publishedFrom" in query and query["stages"] == ["award"]


def test_plain_ocds_package_url(http_server, crawl_settings, crawl_engine, ocds_dir):  # type: ignore[no-untyped-def]
    url = http_server.add_file(
        "/ocds/scotland.json",
        ocds_dir / "publiccontractsscotland_2019-04-25_nhs_lothian_tender_ocds-r6ebe6.json",
    )
    add_source(crawl_engine, "pcs", url, kind="notices", options={"api": "ocds"})
    summary = crawl(crawl_settings)["pcs"]
    assert summary.new == 1
    # the real capture's release has no id: tolerated, and said as a warning (it was the
    # source's error before notice data that still gave notices became a warning)
    assert summary.error is None and summary.ok
    assert summary.warning == "notice data: 1 release(s) without an id (named from ocid and date)"
    item = items_of(crawl_engine, "pcs")[0]
    assert item.guid == "ocds-r6ebe6-0000580764"
    assert item.employer == "NHS Lothian" and item.regions == ["Scotland"]
    with write_session(crawl_engine) as session:
        assert session.get(Source, item.source_id).checkpoint["next"] is None


def test_two_procurements_sharing_a_notice_page_stay_two(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, ocds_dir
):
    tender = next(r for r in _releases(ocds_dir, FTS_PAGE1) if r["id"] == "083662-2026")
    package = {"releases": [{**tender, "ocid": "ocds-x-1"}, {**tender, "ocid": "ocds-x-2"}]}
    url = http_server.add("/ocds/twins.json", json.dumps(package), "application/json")
    add_source(crawl_engine, "twins", url, kind="notices", options={"api": "ocds"})
    summary = crawl(crawl_settings)["twins"]
    assert summary.new == 2, summary
    urls = sorted(i.url for i in items_of(crawl_engine, "twins"))
    assert urls == [
        "https://www.find-tender.service.gov.uk/Notice/083662-2026",
        "https://www.find-tender.service.gov.uk/Notice/083662-2026?ocid=ocds-x-2",
    ]


def test_bare_party_ids_of_two_publishers_stay_two_buyers(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, ocds_dir
):
    """ "org-12" is NHS Lothian's party id in a Public Contracts Scotland release; party ids
    without a scheme are numbered per publication, so Sell2Wales may give the same one to
    Swansea: they are two buyers, joined by name, not by that id."""
    from sqlmodel import select

    from kil_feed.models import Buyer, Item

    pcs = http_server.add_file(
        "/ocds/pcs.json",
        ocds_dir / "publiccontractsscotland_2019-04-25_nhs_lothian_tender_ocds-r6ebe6.json",
    )
    swansea = "sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json"
    wales = json.loads((ocds_dir / swansea).read_text(encoding="utf-8"))
    assert wales["buyer"]["id"] == "org-3"
    wales["buyer"]["id"] = "org-12"
    for party in wales["parties"]:
        party["id"] = {"org-3": "org-12", "org-12": "org-3"}.get(party["id"], party["id"])
    s2w = http_server.add("/ocds/s2w.json", json.dumps(wales), "application/json")
    add_source(crawl_engine, "pcs", pcs, kind="notices", options={"api": "ocds"})
    add_source(crawl_engine, "s2w", s2w, kind="notices", options={"api": "ocds"})

    summaries = crawl(crawl_settings, ["pcs", "s2w"])

    assert summaries["pcs"].new == 1 and summaries["s2w"].new == 1
    with read_session(crawl_engine) as session:
        buyers = {b.key: b for b in session.exec(select(Buyer))}
        keys = {i.employer: i.buyer_key for i in session.exec(select(Item))}
    assert set(keys) == {"NHS Lothian", "City & County of Swansea"}
    assert keys["NHS Lothian"] != keys["City & County of Swansea"]
    assert {buyers[k].name for k in keys.values()} == set(keys)
    # a bare party id is no identifier: it would join the next publisher's org-12 again
    assert all(b.identifier is None for b in buyers.values())
