"""Batched ingest writes on SQLite and PostgreSQL: natural-key upsert, tags, clusters, runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import Item, ItemTag
from kil_feed.storage import crawl_runs
from kil_feed.storage.items import upsert_items
from kil_feed.storage.sources import upsert_source


def _row(source_id: int, url: str, title: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source_id": source_id, "kind": "news", "url": url, "guid": None, "title": title,
        "summary": "s", "body_html": "<p>b</p>", "published_at": datetime(2026, 9, 1, tzinfo=UTC),
        "topics": ["procurement"], "regions": ["London"], "date_estimated": False,
        "content_hash": "h1", "title_key": title.lower(), "fingerprint": "",
    }  # fmt: skip
    row.update(extra)
    return row


def test_upsert_items_natural_key_and_clusters(any_engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(any_engine) as session:
        a, _ = upsert_source("a", session=session, url="http://a.example/feed")
        b, _ = upsert_source("b", session=session, url="http://b.example/feed")
        (run_id,) = crawl_runs.start_runs([a.id], session=session)
    rows = [
        _row(a.id, "http://a/1", "same story title here"),
        _row(a.id, "http://a/2", "other story", guid="g-2"),
        _row(b.id, "http://b/1", "same story title here"),
    ]
    with write_session(any_engine) as session:
        outcomes = upsert_items(rows, session=session, decide=lambda r: ("approved", "r1", None))
    assert outcomes == ["new", "new", "new"]
    again = [
        _row(a.id, "http://a/1", "same story title here"),
        _row(a.id, "http://a/2-moved", "other story edited", guid="g-2", content_hash="h2"),
    ]
    with write_session(any_engine) as session:
        assert upsert_items(again, session=session) == ["unchanged", "updated"]
        crawl_runs.finish_runs([crawl_runs.RunResult(run_id, new=3, error="x")], session=session)
    with read_session(any_engine) as session:
        items = {i.url: i for i in session.exec(select(Item)).all()}
        tags = session.exec(select(ItemTag)).all()
        assert crawl_runs.get_runs([run_id], session=session)[0].finished_at is not None
    assert len(items) == 3
    assert items["http://a/2"].title == "other story edited"  # updated in place by GUID
    assert items["http://a/1"].status == "approved" and items["http://a/1"].rule == "r1"
    assert items["http://a/1"].cluster_id == items["http://b/1"].cluster_id is not None
    assert items["http://a/2"].cluster_id is None
    assert len(tags) == 6


def test_start_runs_in_one_statement(any_engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(any_engine) as session:
        ids = [
            upsert_source(f"s{n}", session=session, url=f"https://s{n}.example/feed", kind="feed")[
                0
            ].id
            for n in range(3)
        ]
        run_ids = crawl_runs.start_runs([ids[2], ids[0], ids[1]], session=session)
        assert crawl_runs.start_runs([], session=session) == []
    with read_session(any_engine) as session:
        runs = {r.id: r for r in crawl_runs.get_runs(run_ids, session=session)}
    assert len(set(run_ids)) == 3
    assert [runs[i].source_id for i in run_ids] == [ids[2], ids[0], ids[1]]
    assert all(
        r.finished_at is None and r.items_new == 0 and r.started_at.tzinfo for r in runs.values()
    )


def test_clusters_grow_across_batches_and_keys(any_engine) -> None:  # type: ignore[no-untyped-def]
    """Copies arriving batch after batch join the first cluster; a key bridges clusters."""
    with write_session(any_engine) as session:
        ids = [upsert_source(f"s{n}", session=session, url=f"http://s{n}.example/")[0].id
               for n in range(6)]  # fmt: skip
    # the same story (one fingerprint, titles differ) reaches a new source in every batch
    for n, sid in enumerate(ids[:4]):
        row = _row(sid, f"http://s{n}/story", f"story seen by {n}", fingerprint="fp-story")
        lone = _row(sid, f"http://s{n}/lone", f"only here {n}", fingerprint=f"fp-lone-{n}")
        with write_session(any_engine) as session:
            assert upsert_items([row, lone], session=session) == ["new", "new"]
    # a later item shares the story's title with source 0's copy, and its own fingerprint
    # with an item of source 5: all of them end in the story's cluster
    with write_session(any_engine) as session:
        upsert_items([_row(ids[5], "http://s5/x", "x", fingerprint="fp-bridge")], session=session)
    with write_session(any_engine) as session:
        upsert_items(
            [_row(ids[4], "http://s4/y", "story seen by 0", fingerprint="fp-bridge")],
            session=session,
        )
    with read_session(any_engine) as session:
        items = {i.url: i for i in session.exec(select(Item)).all()}
    first = items["http://s0/story"]
    assert first.cluster_id == first.id
    for url in ("http://s1/story", "http://s2/story", "http://s3/story", "http://s4/y",
                "http://s5/x"):  # fmt: skip
        assert items[url].cluster_id == first.id, url
    assert all(items[f"http://s{n}/lone"].cluster_id is None for n in range(4))


def test_bulk_fetch_outcomes_and_run_results(any_engine) -> None:  # type: ignore[no-untyped-def]
    """record_fetches and finish_runs: validators kept, failures counted, counts added."""
    from kil_feed.models import CrawlRun, Source
    from kil_feed.storage.crawl_runs import RunResult, finish_runs
    from kil_feed.storage.sources import FetchOutcome, record_fetches

    with write_session(any_engine) as session:
        ok, _ = upsert_source("ok", session=session, url="http://ok.example/feed")
        bad, _ = upsert_source("bad", session=session, url="http://bad.example/feed")
        ok.etag, bad.consecutive_failures = "old-etag", 2
        session.add_all([ok, bad])
        session.flush()
        runs = crawl_runs.start_runs([ok.id, bad.id], session=session)
        finish_runs([RunResult(runs[1], new=1, error="a")], session=session)
    with write_session(any_engine) as session:
        record_fetches(
            [FetchOutcome(ok.id, last_modified="Tue, 01 Sep 2026 08:00:00 GMT",
                          warning="malformed feed: bozo"),
             FetchOutcome(bad.id, error="HTTP 500")],
            session=session,
        )  # fmt: skip
        finish_runs(
            [RunResult(runs[0], new=5, duplicate=2, http_status=200),
             RunResult(runs[1], new=2, error="b" * 5000)],
            session=session,
        )  # fmt: skip
    with read_session(any_engine) as session:
        sources = {s.name: s for s in session.exec(select(Source)).all()}
        done = {r.id: r for r in session.exec(select(CrawlRun)).all()}
    assert sources["ok"].etag == "old-etag"  # kept: no new validator came
    assert sources["ok"].last_modified == "Tue, 01 Sep 2026 08:00:00 GMT"
    assert sources["ok"].last_error == "malformed feed: bozo"
    assert sources["ok"].consecutive_failures == 0 and sources["ok"].last_success_at
    assert sources["bad"].consecutive_failures == 3 and sources["bad"].last_error == "HTTP 500"
    assert sources["bad"].last_success_at is None and sources["bad"].last_error_at
    first, second = done[runs[0]], done[runs[1]]
    assert (first.items_new, first.items_duplicate, first.http_status, first.error) == (
        5, 2, 200, None
    )  # fmt: skip
    assert first.finished_at is not None
    assert second.items_new == 3 and second.http_status is None
    assert second.error is not None and second.error.startswith("a; bbb")
    assert len(second.error) == 4000
