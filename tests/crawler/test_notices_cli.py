"""`kil sources add ... --kind notices` and `kil crawl` against the Find a Tender emulation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.crawl import FAST_CRAWL_ENV, items_of
from tests.support.ocds_api import fts_api

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"


def test_add_fts_source_and_crawl(cli, http_server, engine, corpus_dir: Path,  # type: ignore[no-untyped-def]
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    releases = json.loads((corpus_dir / "ocds" / FTS_PAGE1).read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    api = fts_api(http_server, [
        {**r, "date": (now - timedelta(hours=i + 1)).isoformat()}
        for i, r in enumerate(releases["releases"])
    ])  # fmt: skip
    out = cli("sources", "add", "fts", api.url, "--kind", "notices", "--option", "api=fts",
              "--option", "stages=tender,planning").output  # fmt: skip
    assert "added source fts (notices)" in out
    result = json.loads(cli("crawl", "--json").output)
    assert result[0]["source"] == "fts" and result[0]["new"] == 3  # UK1, UK2, UK4
    items = items_of(engine, "fts")
    assert {i.extra["notice"]["notice_type"] for i in items} == {"UK1", "UK2", "UK4"}
    assert api.served[0].query["stages"] == ["tender,planning"]
    listed = json.loads(cli("items", "list", "--kind", "notice", "--json").output)
    assert {i["title"] for i in listed} >= {
        "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"
    }


def test_notice_alias_and_bad_options(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("sources", "add", "cf", "https://www.contractsfinder.service.gov.uk/Published/"
              "Notices/OCDS/Search", "--kind", "notice", "--option", "api=contracts-finder",
              "--option", "buyer_types=local authority,NHS").output  # fmt: skip
    assert "added source cf (notices)" in out
    shown = json.loads(cli("sources", "show", "cf", "--json").output)
    assert shown["kind"] == "notices"
    assert shown["options"]["buyer_types"] == ["local-authority", "nhs"]
    for option, message in [
        ("api=ted", "api must be one of fts, contracts-finder, ocds"),
        ("stages=tender,bidding", "unknown stage 'bidding'"),
        ("cpv=72x", "cpv '72x' is not a CPV code prefix"),
        ("backfill_days=0", "option backfill_days must be a whole number from 1 to 3650"),
        ("colour=red", "unknown notices option 'colour'"),
    ]:
        url = "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
        result = cli(
            "sources", "add", "bad", url, "--kind", "notices", "--option", option, ok=False
        )
        assert result.exit_code != 0
        assert message in result.output, (option, result.output)
        assert "Traceback" not in result.output
