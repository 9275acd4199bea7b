"""A notice's `title_key` (what copies elsewhere are matched by) follows its merged title: a
later release that renames the procurement moves the key with the title, whether it comes
in a later crawl or on an earlier page of the same crawl; migration 0022 refreshes the keys
stored before. Real Find a Tender releases of the corpus, served by the loopback API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawler.dedupe_keys import title_key
from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.curation import edit_item
from tests.support.crawl import add_source, crawl, items_of
from tests.support.migrations import rerun
from tests.support.ocds_api import fts_api

PAGE = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
TENDER_TITLE = "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"
AWARD_TITLE = "Passenger Transport Services 2026 - Area Based"
NOW = datetime.now(UTC)


def _lifecycle(corpus_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A UK4 tender, then a UK7 award of the same procurement under another title."""
    page = json.loads((corpus_dir / "ocds" / PAGE).read_text(encoding="utf-8"))["releases"]
    by_id = {r["id"]: r for r in page}
    tender = {**by_id["083662-2026"], "date": (NOW - timedelta(days=3)).isoformat()}
    award = {**by_id["083608-2026"], "ocid": tender["ocid"], "date": NOW.isoformat()}
    return tender, award


def test_later_release_moves_title_key(http_server, crawl_settings, crawl_engine, corpus_dir):  # type: ignore[no-untyped-def]
    tender, award = _lifecycle(corpus_dir)
    api = fts_api(http_server, [tender])
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    assert crawl(crawl_settings)["fts"].new == 1
    (first,) = items_of(crawl_engine, "fts")
    assert first.title_key == title_key(TENDER_TITLE)

    api.releases = [tender, award]
    assert crawl(crawl_settings)["fts"].updated == 1
    (moved,) = items_of(crawl_engine, "fts")
    assert moved.title == AWARD_TITLE
    assert (
        moved.title_key == title_key(AWARD_TITLE) == "passenger transport services 2026 area based"
    )


def test_pages_of_one_crawl_out_of_date_order(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, corpus_dir
):
    """The award on the first page, the tender on the next: merged in date order, the
    award's title wins, and so does its key."""
    tender, award = _lifecycle(corpus_dir)
    api = fts_api(http_server, [award, tender])
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts", "page_size": 1})
    summary = crawl(crawl_settings)["fts"]
    assert (summary.new, summary.error) == (1, None), summary
    (item,) = items_of(crawl_engine, "fts")
    assert [h["id"] for h in item.extra["history"]] == ["083662-2026", "083608-2026"]
    assert (item.title, item.title_key) == (AWARD_TITLE, title_key(AWARD_TITLE))


def test_migration_refreshes_stale_notice_title_keys(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, corpus_dir
):
    """Keys as the code before stored them (the first release's) are re-read from the
    crawled title: an editor's title is not the crawl's, so an edited notice's key comes from
    the notice's own title; news keys and up-to-date keys are left as they are."""
    tender, award = _lifecycle(corpus_dir)
    other = {**tender, "ocid": "ocds-h6vhtk-0test2", "id": "083662-2026-b"}
    api = fts_api(http_server, [tender, award, other])
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    feed = http_server.add_file(
        "/bbc.rss", corpus_dir / "feeds/bbc_news_uk_politics_2018-12-19.rss"
    )
    add_source(crawl_engine, "bbc", feed)
    crawl(crawl_settings)
    notices = {i.guid: i for i in items_of(crawl_engine, "fts")}
    moved, current = notices[tender["ocid"]], notices[other["ocid"]]
    news = items_of(crawl_engine, "bbc")[0]
    with write_session(crawl_engine) as session:
        edited = session.get(Item, current.id)
        edit_item(edited, session=session, title="An editor's shorter title")
        stale = {moved.id: title_key(TENDER_TITLE), news.id: "a news key left alone"}
        for item_id, key in stale.items():
            session.execute(sa.update(Item).where(Item.id == item_id).values(title_key=key))
        session.execute(sa.update(Item).where(Item.id == current.id).values(title_key=""))

    rerun(crawl_engine, "0022_notice_title_keys", "0021_edited_fields")

    after = {i.id: i for i in items_of(crawl_engine, "fts") + items_of(crawl_engine, "bbc")}
    assert after[moved.id].title_key == title_key(AWARD_TITLE)
    assert after[current.id].title == "An editor's shorter title"
    assert after[current.id].title_key == title_key(TENDER_TITLE)  # the crawled title's
    assert after[news.id].title_key == "a news key left alone"
