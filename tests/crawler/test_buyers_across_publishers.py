"""One buyer across publishers and identifier schemes, end to end: real notices of Find a
Tender (GB-PPON ids) and Contracts Finder (GB-CFS, GB-LAE, GB-SRS ids for the same
councils) crawled from loopback emulations of their APIs into a real SQLite database, then
read back through `kil buyers list|show`, as an editor sees them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.crawl import add_source, crawl
from tests.support.ocds_api import cf_api, fts_api, recent_releases

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
FTS_FINAL = "findatender_2026-09-03_release-package_final_page_3_releases.json"
FTS_RECORD = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"
CF_2022 = "contractsfinder_2022-10-20_ocds_search_100_releases.json"
CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"


@pytest.fixture
def crawled(http_server, crawl_settings, crawl_engine, corpus_dir):  # type: ignore[no-untyped-def]
    ocds_dir = corpus_dir / "ocds"
    fts = fts_api(http_server, recent_releases(ocds_dir, FTS_PAGE1, FTS_FINAL))
    cf = cf_api(http_server, recent_releases(ocds_dir, CF_2022, CF_2025))
    record = http_server.add_file("/api/1.0/ocdsRecordPackages/ocds-h6vhtk-0525b3",
                                  ocds_dir / FTS_RECORD)  # fmt: skip
    add_source(crawl_engine, "fts", fts.url, kind="notices", options={"api": "fts"})
    add_source(crawl_engine, "fts-record", record, kind="notices", options={"api": "ocds"})
    add_source(crawl_engine, "cf", cf.url, kind="notices", options={"api": "contracts-finder"})
    summaries = crawl(crawl_settings, ["fts", "fts-record", "cf"])
    assert all(s.error is None for s in summaries.values()), summaries
    return crawl_engine


def _buyers(cli) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    rows = json.loads(cli("buyers", "list", "--limit", "1000", "--json").output)
    return {r["slug"]: r for r in rows}


@pytest.mark.parametrize(
    ("slug", "name", "code", "notices", "sources"),
    [
        # GB-PPON-PMPB-8772-VYWM (FTS record), GB-LAE-DUR and GB-CFS-107286 (CF)
        ("durham-county-council", "Durham County Council", "GB-DUR", 3, {"fts-record", "cf"}),
        # GB-PPON-PJYG-6658-PPMY (FTS) and GB-CFS-186962 (CF)
        ("leeds-city-council", "Leeds City Council", "GB-LDS", 2, {"fts", "cf"}),
    ],
)  # fmt: skip
def test_one_council_across_publishers_and_schemes_is_one_buyer(  # type: ignore[no-untyped-def]
    crawled, cli, slug: str, name: str, code: str, notices: int, sources: set[str]
) -> None:
    from sqlmodel import select

    from kil_feed.db import read_session
    from kil_feed.models import Item, Source

    buyers = _buyers(cli)
    same = [r for r in buyers.values() if name.split()[0].lower() in r["name"].lower()
            and "council" in r["name"].lower()]  # fmt: skip
    assert [r["slug"] for r in same] == [slug]
    buyer = buyers[slug]
    assert buyer["local_authority_code"] == code and buyer["buyer_type"] == "local-authority"
    assert buyer["notices"] == notices
    shown = json.loads(cli("buyers", "show", slug, "--json").output)
    assert len(shown["notices"]) == notices
    with read_session(crawled) as session:
        by_id = {i.id: i for i in session.exec(select(Item))}
        names = {s.id: s.name for s in session.exec(select(Source))}
    assert {names[by_id[n["id"]].source_id] for n in shown["notices"]} == sources


def test_spellings_and_ids_of_one_council_in_one_publisher_join(crawled, cli) -> None:  # type: ignore[no-untyped-def]
    """Contracts Finder names North Yorkshire Council with and without "The", under a
    GB-SRS and two GB-CFS ids, and Birmingham City Council under three GB-CFS ids."""
    buyers = _buyers(cli)
    for place, code in (("north yorkshire", "GB-NYK"), ("birmingham", "GB-BIR")):
        rows = [r for r in buyers.values() if place in r["name"].lower()
                and "council" in r["name"].lower()]  # fmt: skip
        assert len(rows) == 1, rows
        assert rows[0]["local_authority_code"] == code
        assert rows[0]["notices"] >= 3


def test_an_intermediary_joins_no_councils(crawled, cli) -> None:  # type: ignore[no-untyped-def]
    """EU Supply's one account stood for North East Lincolnshire and Barnsley: no buyer of
    that name, and the councils are not one buyer."""
    buyers = _buyers(cli)
    assert not [r for r in buyers.values() if "eu supply" in r["name"].lower()]
    lincs = [r for r in buyers.values() if "north east lincolnshire" in r["name"].lower()]
    assert len(lincs) == 1 and lincs[0]["identifier"] is None


@pytest.mark.parametrize(
    ("names", "code", "region"),
    [
        # "Herts" is Hertfordshire: East Hertfordshire District Council
        (["East Herts Council"], "GB-EHE", "East of England"),
        # the register's region, not the postcode area's (EN straddles London and Herts;
        # Northallerton's DL is mostly the North East's)
        (["London Borough of Enfield"], "GB-ENF", "London"),
        (["North Yorkshire Council", "The North Yorkshire Council"], "GB-NYK",
         "Yorkshire and The Humber"),
    ],
)  # fmt: skip
def test_councils_are_the_registers_with_its_region(  # type: ignore[no-untyped-def]
    crawled, cli, names: list[str], code: str, region: str
) -> None:
    rows = [r for r in _buyers(cli).values() if r["local_authority_code"] == code]
    assert len(rows) == 1 and rows[0]["name"] in names, rows
    assert rows[0]["buyer_type"] == "local-authority" and rows[0]["region"] == region


def test_one_nhs_trust_written_with_and_without_nhs_is_one_buyer(crawled, cli) -> None:  # type: ignore[no-untyped-def]
    """Contracts Finder has "Lancashire and South Cumbria NHS Foundation Trust" and
    "Lancashire & South Cumbria Foundation Trust" (two GB-CFS ids): one trust."""
    rows = [r for r in _buyers(cli).values() if "south cumbria" in r["name"].lower()]
    assert len(rows) == 1, rows
    assert rows[0]["buyer_type"] == "nhs" and rows[0]["notices"] == 2
