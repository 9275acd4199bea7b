"""A notices source whose records had tolerated defects (a release without an id, say) but
still gave notices is ok with a warning, as a malformed feed that gave entries is; one that
gave no notices because of them, or whose answer could not be read, failed. Real `kil crawl`
runs against the loopback Find a Tender / Contracts Finder emulation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.crawl import FAST_CRAWL_ENV, items_of
from tests.support.ocds_api import cf_api, fts_api, recent_releases

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
FTS_FINAL = "findatender_2026-09-03_release-package_final_page_3_releases.json"
CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"
PCS = "publiccontractsscotland_2019-04-25_nhs_lothian_tender_ocds-r6ebe6.json"
NO_ID = "1 release(s) without an id (named from ocid and date)"


def test_notices_with_defective_releases_warn_and_without_notices_fail(  # type: ignore[no-untyped-def]
    cli, http_server, engine, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    ocds = corpus_dir / "ocds"
    # altered: the 8 real Find a Tender releases re-dated, and the first (page 1 of 3) and
    # the last (page 3) stripped of their `id`; served 3 a page
    fts = recent_releases(ocds, FTS_PAGE1, FTS_FINAL)
    for i in (0, -1):
        fts[i] = {k: v for k, v in fts[i].items() if k != "id"}
    api = fts_api(http_server, fts)
    cli("sources", "add", "fts", api.url, "--kind", "notices", "--option", "api=fts",
        "--option", "page_size=3")  # fmt: skip
    # altered: the first 5 real Contracts Finder releases re-dated, each without its `ocid`
    cf = [{k: v for k, v in r.items() if k != "ocid"} for r in recent_releases(ocds, CF_2025)[:5]]
    cf_url = cf_api(http_server, cf).url
    cli("sources", "add", "cf", cf_url, "--kind", "notices", "--option", "api=contracts-finder")
    # not altered: the real Public Contracts Scotland capture, whose release has no id
    pcs_url = http_server.add_file("/ocds/pcs.json", ocds / PCS)
    cli("sources", "add", "pcs", pcs_url, "--kind", "notices", "--option", "api=ocds")
    # altered: the same capture cut in half, unreadable
    cut = (ocds / PCS).read_bytes()
    cut_url = http_server.add("/ocds/cut.json", cut[: len(cut) // 2], "application/json")
    cli("sources", "add", "cut", cut_url, "--kind", "notices", "--option", "api=ocds")

    crawled = cli("crawl", "--json", ok=False)
    assert crawled.exit_code == 6  # cf and cut failed
    rows = {r["source"]: r for r in json.loads(crawled.output)}
    assert rows["fts"]["new"] == 8 and rows["fts"]["errors"] == ""
    assert rows["fts"]["warnings"] == f"notice data: page 1: {NO_ID}; page 3: {NO_ID}"
    assert len(items_of(engine, "fts")) == 8
    assert rows["pcs"]["new"] == 1 and rows["pcs"]["errors"] == ""
    assert rows["pcs"]["warnings"] == f"notice data: {NO_ID}"
    assert rows["cf"]["new"] == 0 and rows["cf"]["warnings"] == ""
    assert rows["cf"]["errors"] == (
        "notice data with no notices: 5 release(s) without an ocid skipped"
    )
    assert rows["cut"]["errors"].startswith("page 1: malformed JSON")

    listed = {s["name"]: s for s in json.loads(cli("sources", "list", "--json").output)}
    assert listed["fts"]["health"] == "ok"
    assert listed["fts"]["warning"] == rows["fts"]["warnings"]
    assert (listed["pcs"]["health"], listed["pcs"]["warning"]) == ("ok", f"notice data: {NO_ID}")
    assert listed["cf"]["health"].startswith("error: notice data with no notices")
    assert listed["cf"]["warning"] is None

    shown = cli("crawl", "--source", "pcs").output  # exit 0: a warning, none failed
    assert f"warning: pcs: notice data: {NO_ID}" in shown and "none failed" in shown
