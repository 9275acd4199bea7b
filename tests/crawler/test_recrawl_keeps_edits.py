"""A re-crawl that finds an item's content changed updates it in place, but what an editor
edited (`kil items edit`: title, summary, topics, regions) stays as the editor made it, and
status, featured, reasons and notes are never a crawl's to change. Real crawls of a
loopback feed, on SQLite and PostgreSQL, and through a Redis crawl worker.

The feeds are synthetic test data written here (not real documents); the corpus files
crawled for migration 0021 are cited in ../shared/corpus/MANIFEST.md.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine, read_session, write_session
from kil_feed.models import Item, ItemTag
from kil_feed.storage.curation import apply_action, edit_item
from tests.conftest import Cli
from tests.support.crawl import FAST_CRAWL_ENV, add_source, crawl, items_of
from tests.support.migrations import rerun


def _feed(entries: list[tuple[str, str, str, str]]) -> str:
    """RSS 2.0 of (title, link, description, pubDate) entries."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{day}</pubDate><description>{d}</description></item>"
        for t, link, d, day in entries
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Council news</title>'
        f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>"
    )


BEFORE = "Tue, 01 Sep 2026 08:00:00 GMT"
AFTER = "Wed, 02 Sep 2026 10:30:00 GMT"
FIRST = [
    ("Council approves new waste contract", "http://example.org/a", "Leeds waste news.", BEFORE),
    ("Framework for agency staff renewed", "http://example.org/b", "Agency framework.", BEFORE),
    ("Parking charges consultation opens", "http://example.org/c", "Parking plans.", BEFORE),
]
# every entry changed: new title, new text, new date
SECOND = [(t + " (updated)", link, d + " Now with more detail.", AFTER) for t, link, d, _ in FIRST]


@pytest.fixture
def fast_settings(any_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """`any_settings` (SQLite and PostgreSQL) for crawls against the loopback server."""
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    return load_settings()


def _by_url(engine, source: str) -> dict[str, Item]:  # type: ignore[no-untyped-def]
    return {i.url: i for i in items_of(engine, source)}


def _tags(engine, item_id: int) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        rows = session.exec(select(ItemTag).where(ItemTag.item_id == item_id)).all()
    return {(t.kind, t.value) for t in rows}


def test_recrawl_keeps_edits_and_decisions(http_server, fast_settings):  # type: ignore[no-untyped-def]
    engine = make_engine(fast_settings)
    url = http_server.add("/news.rss", _feed(FIRST), "application/rss+xml")
    add_source(engine, "news", url)
    assert crawl(fast_settings)["news"].new == 3
    a, b, c = (_by_url(engine, "news")[link] for _, link, _, _ in FIRST)
    cli = Cli()
    title, summary = "Leeds signs a waste contract", "The editor's summary."
    cli("items", "edit", str(a.id), "--title", title, "--summary", summary,
        "--topic=+outsourcing", "--region=+Wales")  # fmt: skip
    cli("items", "feature", str(b.id))
    cli("items", "edit", str(b.id), "--notes", "check the framework value")
    cli("items", "reject", str(c.id), "--reason", "not procurement")

    http_server.add("/news.rss", _feed(SECOND), "application/rss+xml")
    assert crawl(fast_settings)["news"].updated == 3
    after = _by_url(engine, "news")
    a2, b2, c2 = (after[link] for _, link, _, _ in FIRST)
    # the editor's fields stay; what the editor did not touch follows the feed
    assert (a2.title, a2.summary) == (title, summary)
    assert "outsourcing" in a2.topics and "Wales" in a2.regions
    assert ("topic", "outsourcing") in _tags(engine, a.id)
    assert ("region", "Wales") in _tags(engine, a.id)
    assert a2.published_at is not None and a2.published_at.day == 2
    assert a2.published_at != a.published_at and a2.content_hash != a.content_hash
    assert sorted(a2.extra["edited"]) == ["regions", "summary", "title", "topics"]
    # notes, status, featured and reasons are the editor's, the text the feed's
    assert (b2.title, b2.summary) == (SECOND[1][0], SECOND[1][2])
    assert (b2.status, b2.featured, b2.editor_notes) == (
        "approved",
        True,
        "check the framework value",
    )
    assert (c2.title, c2.status, c2.reject_reason) == (SECOND[2][0], "rejected", "not procurement")
    # and the next crawl of the same feed finds nothing changed (the crawl's hash is stored)
    assert crawl(fast_settings)["news"].updated == 0
    engine.dispose()


def test_redis_worker_recrawl_keeps_edits(redis_settings, http_server, crawl_engine):  # type: ignore[no-untyped-def]
    from kil_feed.ingest.queue import enqueue_crawl
    from kil_feed.ingest.worker import run_worker

    url = http_server.add("/news.rss", _feed(FIRST), "application/rss+xml")
    add_source(crawl_engine, "news", url)
    enqueue_crawl(redis_settings, crawl_engine)
    run_worker(redis_settings, processes=1, kinds=["feed"], idle_exit=3)
    a = _by_url(crawl_engine, "news")[FIRST[0][1]]
    with write_session(crawl_engine) as session:
        item = session.get(Item, a.id)
        edit_item(item, session=session, title="Edited in the queue", summary="Kept.")
        apply_action(item, "approve", session=session)

    http_server.add("/news.rss", _feed(SECOND), "application/rss+xml")
    enqueue_crawl(redis_settings, crawl_engine)
    report = run_worker(redis_settings, processes=1, kinds=["feed"], idle_exit=3)
    assert report.answered == 1
    after = _by_url(crawl_engine, "news")
    a2 = after[FIRST[0][1]]
    assert (a2.title, a2.summary, a2.status) == ("Edited in the queue", "Kept.", "approved")
    assert a2.published_at is not None and a2.published_at.day == 2
    assert after[FIRST[1][1]].title == SECOND[1][0]  # not edited: the feed's new title


# --- edits made before `extra["edited"]` was recorded (migration 0021) -------------------

CORPUS = (
    ("feeds", "feed", "bbc_news_uk_politics_2018-12-19.rss"),
    ("jobs", "jobs", "civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html"),
    ("jobs", "jobs", "schemaorg_example_eg-0028_jobposting_plain_microdata_rdfa_jsonld.txt"),
    *(("jobs", "jobs", f"nhsjobs_jobposting_{n}.json") for n in (915390428, 915703330, 915809698)),
)


def test_migration_marks_edits_made_before_they_were_recorded(
    http_server, fast_settings, corpus_dir
):  # type: ignore[no-untyped-def]
    engine = make_engine(fast_settings)
    for folder, kind, name in CORPUS:
        add_source(
            engine, name, http_server.add_file(f"/{name}", corpus_dir / folder / name), kind=kind
        )
    url = http_server.add("/news.rss", _feed(FIRST), "application/rss+xml")
    add_source(engine, "news", url)
    summaries = crawl(fast_settings)
    assert all(s.new > 0 for s in summaries.values()), summaries
    jobs = [i for _, kind, n in CORPUS if kind == "jobs" for i in items_of(engine, n)]
    paid = [i for i in jobs if i.pay_min is not None and i.closes_at is not None]
    assert paid, [(i.title, i.pay_min, i.closes_at) for i in jobs]

    # a crawl's own rows read as crawled: nothing is marked (real feed, real job adverts)
    rerun(engine, "0021_edited_fields", "0020_search_words")
    with read_session(engine) as session:
        marked = [i.id for i in session.exec(select(Item)) if "edited" in (i.extra or {})]
    assert marked == []

    # edits written as `kil items edit` wrote them before 93b485b: no record in extra
    a, b, _ = (_by_url(engine, "news")[link] for _, link, _, _ in FIRST)
    job = paid[0]
    with write_session(engine) as session:
        session.execute(sa.update(Item).where(Item.id == a.id).values(title="An editor's title"))
        session.execute(sa.update(Item).where(Item.id == b.id).values(summary="An editor's text"))
        session.execute(sa.update(Item).where(Item.id == job.id).values(summary="Shorter."))
    rerun(engine, "0021_edited_fields", "0020_search_words")
    with read_session(engine) as session:
        edited = {
            i.id: i.extra.get("edited")
            for i in session.exec(select(Item))
            if "edited" in (i.extra or {})
        }
    assert edited == {a.id: ["summary", "title"], b.id: ["summary"], job.id: ["summary"]}

    http_server.add("/news.rss", _feed(SECOND), "application/rss+xml")
    assert crawl(fast_settings, ["news"])["news"].updated == 3
    after = _by_url(engine, "news")
    assert after[a.url].title == "An editor's title"
    assert (after[b.url].title, after[b.url].summary) == (SECOND[1][0], "An editor's text")
    engine.dispose()


def test_notice_moved_on_by_a_release_keeps_edits(
    http_server, crawl_settings, crawl_engine, corpus_dir
):  # type: ignore[no-untyped-def]
    """A later release folds onto a stored notice (its title, summary, tags and `extra` are
    re-read): the editor's title and the record of it stay."""
    import json
    from datetime import UTC, datetime, timedelta

    from tests.support.ocds_api import fts_api

    name = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
    page = json.loads((corpus_dir / "ocds" / name).read_text(encoding="utf-8"))["releases"]
    by_id, now = {r["id"]: r for r in page}, datetime.now(UTC)
    tender = {**by_id["083662-2026"], "date": (now - timedelta(days=3)).isoformat()}
    api = fts_api(http_server, [tender])
    add_source(crawl_engine, "fts", api.url, kind="notices", options={"api": "fts"})
    assert crawl(crawl_settings)["fts"].new == 1
    (notice,) = items_of(crawl_engine, "fts")
    with write_session(crawl_engine) as session:
        item = session.get(Item, notice.id)
        edit_item(item, session=session, title="Edited notice title", topics=["outsourcing"])
        apply_action(item, "feature", session=session)
    award = {**by_id["083608-2026"], "ocid": tender["ocid"], "date": now.isoformat()}
    api.releases = [tender, award]
    assert crawl(crawl_settings)["fts"].updated == 1
    (moved,) = items_of(crawl_engine, "fts")
    assert [h["id"] for h in moved.extra["history"]] == ["083662-2026", "083608-2026"]
    assert (moved.title, moved.topics) == ("Edited notice title", ["outsourcing"])
    assert (moved.status, moved.featured) == ("approved", True)
    assert sorted(moved.extra["edited"]) == ["title", "topics"]
    assert moved.summary != notice.summary  # not edited: the award's text
