"""`kil sources check` on a notices source says what the answer was read as (an OCDS release
or record package, page by page along `links.next`), how many releases and notices it read,
how many the source's filters keep and how many each left out, and a one-line problem when
the answer is no OCDS (an HTML page, other JSON) or an empty package. The check used to
show only the notices that would be stored. Real corpus documents, served by the loopback
Find a Tender emulation or as files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kil_feed.timeutil import human_time
from tests.support.crawl import FAST_CRAWL_ENV
from tests.support.ocds_api import fts_api

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
FTS_FINAL = "findatender_2026-09-03_release-package_final_page_3_releases.json"
DURHAM = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)


def _dated(ocds: Path, days_ago: float) -> list[dict[str, Any]]:
    """The 8 real Find a Tender releases re-dated `days_ago` (their order kept)."""
    names = (FTS_PAGE1, FTS_FINAL)
    releases = [r for n in names for r in json.loads((ocds / n).read_text("utf-8"))["releases"]]
    base = datetime.now(UTC) - timedelta(days=days_ago)
    return [
        {**r, "date": (base + timedelta(seconds=i)).isoformat()} for i, r in enumerate(releases)
    ]


def test_check_of_notices_says_what_was_read_and_what_each_filter_left_out(  # type: ignore[no-untyped-def]
    cli, http_server, corpus_dir: Path
) -> None:
    api = fts_api(http_server, _dated(corpus_dir / "ocds", days_ago=1))
    # the 8 releases: UK10 amendment and UK12 termination (left out by stages), the London
    # UK5 (CPV 35125000, by cpv), UK7 of £0.01 and UK4 of £15,000 (by min_value), the
    # Surrey police award (South East, by regions); kept: the UK1 and UK2 notices
    cli("sources", "add", "fts", api.url, "--kind", "notices", "--option", "api=fts",
        "--option", "page_size=3", "--option", "stages=planning,tender,contract",
        "--option", "cpv=72,50,60,79,30", "--option", "min_value=20000",
        "--option", "regions=West Midlands,Yorkshire and The Humber")  # fmt: skip

    checked = json.loads(cli("sources", "check", "fts", "--json").output)
    assert checked["error"] is None and checked["problem"] is None
    assert {i["extra"]["notice"]["notice_type"] for i in checked["items"]} == {"UK1", "UK2"}
    read = checked["read"]
    assert read["read_as"] == "OCDS release package"
    assert (read["releases"], read["records"], read["notices"], read["kept"]) == (8, 0, 8, 2)
    assert read["left_out"] == {"stages": 2, "cpv": 1, "min_value": 2, "regions": 1}
    pages = read["pages"]
    assert [(p["page"], p["read_as"], p["releases"]) for p in pages] == [
        (1, "OCDS release package", 3), (2, "OCDS release package", 3),
        (3, "OCDS release package", 2),
    ]  # fmt: skip
    assert pages[0]["url"].startswith(f"{api.url}?updatedFrom=")
    assert [p["next"] for p in pages] == [pages[1]["url"], pages[2]["url"], None]
    assert "cursor=" in pages[1]["url"]
    start, end = (datetime.fromisoformat(w) for w in read["window"])
    assert end - start == timedelta(days=14)  # a first crawl's back-fill

    shown = cli("sources", "check", "fts").output
    said = "read as: OCDS release package (application/json), 3 pages along links.next from "
    (first_next,) = [line for line in shown.splitlines() if line.startswith(said)]
    assert first_next.startswith(f"{said}{api.url}?updatedFrom=")  # the window: this run's
    assert first_next.endswith("&limit=3&cursor=Mw%3D%3D")  # the emulation's cursor: 3
    assert "read: 8 releases, 8 notices" in shown
    assert "kept by the source's filters: 2 of 8 notices" in shown
    assert (
        "left out: 2 by stages (planning, tender, contract), 1 by cpv (72, 50, 60, 79, 30), "
        "2 by min_value (£20,000), 1 by regions (West Midlands, Yorkshire and The Humber)"
    ) in shown
    assert "fts: 2 items would be stored" in shown


def test_check_of_a_record_package_and_of_answers_that_are_no_ocds(  # type: ignore[no-untyped-def]
    cli, http_server, corpus_dir: Path
) -> None:
    ocds = corpus_dir / "ocds"
    records = http_server.add_file("/ocds/durham.json", ocds / DURHAM)
    cli("sources", "add", "durham", records, "--kind", "notices", "--option", "api=ocds")
    checked = json.loads(cli("sources", "check", "durham", "--json").output)
    assert checked["error"] is None and len(checked["items"]) == 1
    read = checked["read"]
    assert read["read_as"] == "OCDS record package"
    assert (read["releases"], read["records"], read["notices"], read["kept"]) == (2, 1, 1, 1)
    assert read["left_out"] == {} and read["window"] is None
    assert read["pages"] == [{"page": 1, "url": records, "read_as": "OCDS record package",
                              "content_type": "application/json", "releases": 2,
                              "records": 1, "next": None}]  # fmt: skip
    shown = cli("sources", "check", "durham").output
    assert "read as: OCDS record package (application/json), 1 page (no next link)" in shown
    assert "read: 1 record, 2 releases, 1 notice" in shown
    assert "kept by the source's filters: 1 of 1 notice (the source has no filters)" in shown
    # one notice is "1 item", and its time as `kil items list` shows it (London), not ISO
    assert "durham: 1 item would be stored" in shown
    assert "10:59:50" in checked["items"][0]["published_at"]  # --json has it whole
    assert "30 Sep 2026 11:59 " in shown and "10:59:50" not in shown

    article = corpus_dir / "html" / "bbc_com_news_article_52241221.html"
    page = http_server.add_file("/ocds/html", article, "text/html; charset=utf-8")
    cli("sources", "add", "html", page, "--kind", "notices", "--option", "api=ocds")
    failed = cli("sources", "check", "html", "--json", ok=False)
    assert failed.exit_code == 6
    checked = json.loads(failed.stdout)
    assert checked["error"] == (
        "page 1: an HTML page, not OCDS JSON (an error or sign-in page, or not the API's URL)"
    )
    assert checked["read"]["read_as"] == "an HTML page"
    assert checked["read"]["pages"][0]["content_type"] == "text/html; charset=utf-8"
    shown = cli("sources", "check", "html", ok=False).output
    assert "read as: an HTML page (text/html), 1 page (no next link)" in shown

    jsonfeed = corpus_dir / "feeds" / "inessential_jsonfeed.json"
    feed = http_server.add_file("/ocds/feed.json", jsonfeed, "application/json")
    cli("sources", "add", "feed", feed, "--kind", "notices", "--option", "api=ocds")
    failed = cli("sources", "check", "feed", "--json", ok=False)
    checked = json.loads(failed.stdout)
    assert checked["error"] == (
        "page 1: not an OCDS release or record package: a JSON object with keys version, "
        "title, description, home_page_url, feed_url and 4 more, but no releases or records"
    )
    assert checked["read"]["read_as"] == "JSON, not OCDS"


def test_check_of_an_empty_package_says_so_with_the_window(  # type: ignore[no-untyped-def]
    cli, http_server, corpus_dir: Path
) -> None:
    api = fts_api(http_server, _dated(corpus_dir / "ocds", days_ago=30))  # before the window
    cli("sources", "add", "fts", api.url, "--kind", "notices", "--option", "api=fts")
    checked = json.loads(cli("sources", "check", "fts", "--json").output)
    assert checked["error"] is None and checked["items"] == []
    start, end = checked["read"]["window"]
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(days=14)
    assert checked["problem"] == (
        f"an empty OCDS release package: no releases from {start} to {end} (the window asked for)"
    )
    assert (checked["read"]["releases"], checked["read"]["notices"]) == (0, 0)
    shown = cli("sources", "check", "fts").output
    # for people, the window in the configured zone, as the `asked:` line gives it
    local = [human_time(datetime.fromisoformat(t), tz="Europe/London") for t in (start, end)]
    assert (
        "problem: an empty OCDS release package: no releases "
        f"from {local[0]} to {local[1]} (Europe/London, the window asked for)\n"
    ) in shown
    assert start not in shown and "nothing would be stored" in shown


def _checkpoint(engine, name: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    from kil_feed.db import read_session
    from kil_feed.storage.sources import get_source

    with read_session(engine) as session:
        return get_source(name, session=session).checkpoint


def test_check_after_a_crawl_asks_a_recent_window_not_the_checkpoints(  # type: ignore[no-untyped-def]
    cli, http_server, corpus_dir: Path, engine
) -> None:
    """Right after a crawl the checkpoint's window is an hour long and empty: the check used
    to ask it and report an empty package. It asks the last `backfill_days` (a first crawl's
    window), or `--days`, says so, and leaves the checkpoint where the crawl put it."""
    api = fts_api(http_server, _dated(corpus_dir / "ocds", days_ago=3))
    cli("sources", "add", "fts", api.url, "--kind", "notices", "--option", "api=fts",
        "--option", "backfill_days=7")  # fmt: skip
    cli("crawl", "--source", "fts")
    crawled = _checkpoint(engine, "fts")
    assert crawled is not None and crawled["done_until"]

    checked = json.loads(cli("sources", "check", "fts", "--json").output)
    assert checked["error"] is None and checked["problem"] is None
    assert (checked["read"]["releases"], checked["read"]["notices"]) == (8, 8)
    start, end = checked["read"]["window"]
    assert checked["window"] == {"from": start, "to": end, "days": 7}
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) == timedelta(days=7)
    assert datetime.fromisoformat(end) > datetime.fromisoformat(crawled["done_until"])
    assert _checkpoint(engine, "fts") == crawled

    shown = cli("sources", "check", "fts", "--days", "2").output
    asked = [line for line in shown.splitlines() if line.startswith("asked: ")]
    assert asked and asked[0].startswith("asked: the last 2 days, from ")
    assert asked[0].endswith(" (Europe/London), not the source's checkpoint")
    assert "no releases from " in shown and "nothing would be stored" in shown
    assert _checkpoint(engine, "fts") == crawled

    records = http_server.add_file("/ocds/durham.json", corpus_dir / "ocds" / DURHAM)
    cli("sources", "add", "durham", records, "--kind", "notices", "--option", "api=ocds")
    checked = json.loads(cli("sources", "check", "durham", "--json").output)
    assert checked["window"] is None
    assert "asked: the package URL as given (no date window)" in cli(
        "sources", "check", "durham").output  # fmt: skip
    refused = cli("sources", "check", "durham", "--days", "2", ok=False)
    assert refused.exit_code == 2 and "asked for a date window" in refused.stderr
