"""The guard, the lock and the housekeeping queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import CrawlRun, Item, ItemStatus, Source
from kil_feed.scheduler.lock import make_leader_lock
from kil_feed.storage import housekeeping, job_runs
from kil_feed.timeutil import utcnow
from tests.support.waiting import wait_until


def test_a_week_is_claimed_once_even_by_racing_writers(any_engine) -> None:  # type: ignore[no-untyped-def]
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def claim(owner: str) -> None:
        barrier.wait()
        with write_session(any_engine) as session:
            results.append(job_runs.claim_week("send", "2026-W48", owner=owner, session=session))

    threads = [threading.Thread(target=claim, args=(f"s{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    with write_session(any_engine) as session:  # another week is another claim
        assert job_runs.claim_week("send", "2026-W49", session=session)
        assert not job_runs.claim_week("send", "2026-W49", session=session)


def test_one_leader_at_a_time_and_the_next_takes_over(any_engine) -> None:  # type: ignore[no-untyped-def]
    first = make_leader_lock(any_engine, "first", ttl_seconds=30)
    second = make_leader_lock(any_engine, "second", ttl_seconds=30)
    assert first.try_acquire()
    assert first.try_acquire()  # re-entrant for its holder
    assert not second.try_acquire()
    assert first.refresh() and not second.refresh()
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()


def test_sqlite_lock_lapses_when_its_holder_stops_renewing(engine) -> None:  # type: ignore[no-untyped-def]
    ttl = 4  # long enough that a busy machine still asks within it
    dead = make_leader_lock(engine, "dead", ttl_seconds=ttl)
    alive = make_leader_lock(engine, "alive", ttl_seconds=ttl)
    taken = time.monotonic()
    assert dead.try_acquire()
    refused_within_ttl: list[float] = []

    def acquire() -> bool:
        # the dead lock expires no sooner than `taken + ttl`: any ask before then must fail
        # (judged by when it was asked, not by a fixed expectation about a busy machine)
        asked = time.monotonic()
        got = alive.try_acquire()
        if asked - taken < ttl:
            assert not got, "taken over before the holder's TTL ran out"
            refused_within_ttl.append(asked)
        return got

    wait_until(acquire, "the unrenewed lock lapsing", interval=0.1)
    assert time.monotonic() - taken >= ttl  # not before its TTL
    assert refused_within_ttl  # it was asked, and refused, while the lock was held
    assert not dead.refresh()  # the old leader learns it lost


def test_due_sources_honour_per_source_intervals(any_engine) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with write_session(any_engine) as session:
        session.add(Source(name="never", url="http://a/"))
        session.add(Source(name="stale", url="http://b/", last_crawled_at=now - timedelta(hours=3)))
        session.add(Source(name="fresh", url="http://c/", last_crawled_at=now - timedelta(hours=1)))
        session.add(  # a 30-minute source crawled 29m50s ago is due: a tick is not exact
            Source(
                name="fast",
                url="http://d/",
                interval_minutes=30,
                last_crawled_at=now - timedelta(minutes=29, seconds=50),
            )
        )
        session.add(
            Source(
                name="slow",
                url="http://e/",
                interval_minutes=24 * 60,
                last_crawled_at=now - timedelta(hours=3),
            )
        )
        session.add(Source(name="off", url="http://f/", enabled=False))
    with read_session(any_engine) as session:
        due = housekeeping.due_sources(now, 120, session=session)
    assert due == ["fast", "never", "stale"]


def test_housekeeping_expires_pending_closed_jobs_and_prunes(any_engine) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with write_session(any_engine) as session:
        source = Source(name="jobs", url="http://j/", kind="jobs")
        session.add(source)
        session.flush()
        sid = source.id
        for title, status, closes in [
            ("closed pending", ItemStatus.pending, now - timedelta(days=1)),
            ("closed approved", ItemStatus.approved, now - timedelta(days=1)),
            ("open pending", ItemStatus.pending, now + timedelta(days=1)),
        ]:
            session.add(
                Item(
                    source_id=sid,
                    kind="job",
                    url=f"http://j/{title}",
                    title=title,
                    status=status.value,
                    closes_at=closes,
                )
            )
        session.add(CrawlRun(source_id=sid, started_at=now - timedelta(days=100)))
        session.add(CrawlRun(source_id=sid, started_at=now - timedelta(days=1)))
    with write_session(any_engine) as session:
        assert housekeeping.expire_closed_jobs(now, session=session) == 1
        assert housekeeping.prune_crawl_runs(now - timedelta(days=90), session=session) == 1
    with read_session(any_engine) as session:
        status = {i.title: (i.status, i.rule) for i in session.exec(select(Item)).all()}
        assert len(session.exec(select(CrawlRun)).all()) == 1
    assert status == {
        "closed pending": ("rejected", "housekeeping"),
        "closed approved": ("approved", None),
        "open pending": ("pending", None),
    }
