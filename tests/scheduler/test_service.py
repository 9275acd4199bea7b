"""The scheduler running for real (in-process, on a real database): jobs fire and are
logged, the once-per-week send guard holds across schedulers and restarts, missed runs
catch up once within the grace time, and a shutdown stops a running crawl."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import JobWeekClaim, Source
from kil_feed.scheduler import upcoming
from kil_feed.scheduler.jobs import execute
from kil_feed.scheduler.runtime import Runtime
from kil_feed.scheduler.service import SchedulerService
from kil_feed.timeutil import iso_week, utcnow
from tests.scheduler.conftest import approved_issue, fast, running, runs, sends
from tests.support import scheduler_targets
from tests.support.waiting import WAIT_SECONDS, wait_until

EVERY_SECOND = "* * * * * *"


def _wait_for(predicate, what: str, engine=None) -> None:  # type: ignore[no-untyped-def]
    """Wait for `what` (generous deadline); on failure say which runs were logged."""

    def seen() -> str:
        return f"runs: {[(r.job, r.status, r.detail) for r in runs(engine)]}" if engine else ""

    wait_until(predicate, what, detail=seen)


def test_jobs_fire_on_their_schedule_and_every_run_is_logged(
    settings, engine, fake_functions
) -> None:  # type: ignore[no-untyped-def]
    cfg = fast(settings, housekeeping=EVERY_SECOND, build=EVERY_SECOND)
    service = SchedulerService(cfg, engine, functions=fake_functions)
    with running(service):
        _wait_for(
            lambda: len(runs(engine, "build")) >= 2 and len(runs(engine, "housekeeping")) >= 2,
            "two build and two housekeeping runs",
            engine,
        )
        names = dict(upcoming(engine, cfg))
    assert names["crawl"] is None and names["send"] is None
    assert names["build"] is not None and names["build"] > utcnow() - timedelta(seconds=5)
    build_runs = runs(engine, "build")
    assert {r.status for r in build_runs} == {"ok"}
    assert iso_week(utcnow(), cfg.timezone) in build_runs[0].detail  # the stand-in built it
    assert all(r.finished_at and r.owner == service.owner for r in build_runs)


@pytest.mark.slow
def test_the_send_guard_holds_for_racing_senders_and_after_a_restart(  # type: ignore[no-untyped-def]
    any_settings, any_engine, fake_functions, tmp_path: Path
) -> None:
    cfg = fast(any_settings)
    approved_issue(any_engine, cfg)
    # two schedulers' send jobs at the same moment (two runtimes, two owners)
    first, second = (
        Runtime(settings=cfg, engine=any_engine, functions=fake_functions) for _ in range(2)
    )
    results = {}
    threads = [
        threading.Thread(target=lambda rt=rt: results.setdefault(rt.owner, execute(rt, "send")))
        for rt in (first, second)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sends(tmp_path)) == 1
    assert sorted(r.status for r in results.values()) == ["ok", "skipped"]
    # a restarted scheduler (new owner), the week unchanged: still no second send
    restarted = Runtime(settings=cfg, engine=any_engine, functions=fake_functions)
    again = execute(restarted, "send")
    assert again.status == "skipped" and "already sent" in again.detail
    assert len(sends(tmp_path)) == 1
    with read_session(any_engine) as session:
        claims = session.exec(select(JobWeekClaim)).all()
    assert [(c.job, c.week, c.status) for c in claims] == [
        ("send", iso_week(utcnow(), cfg.timezone), "done")
    ]


@pytest.mark.slow
def test_two_running_schedulers_send_a_week_once(
    any_settings, any_engine, fake_functions, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cfg = fast(any_settings, send=EVERY_SECOND)
    approved_issue(any_engine, cfg)
    a = SchedulerService(cfg, any_engine, functions=fake_functions)
    b = SchedulerService(cfg, any_engine, functions=fake_functions)
    with running(a), running(b, lead=False):
        _wait_for(lambda: len(runs(any_engine, "send")) >= 3, "3 send runs", any_engine)
        assert a.leading.is_set() and not b.leading.is_set()
    # the old leader is gone; the stand-by leads next time, and a restart of it too
    with running(b):
        _wait_for(lambda: len(runs(any_engine, "send")) >= 5, "5 send runs", any_engine)
    with running(SchedulerService(cfg, any_engine, functions=fake_functions)):
        _wait_for(lambda: len(runs(any_engine, "send")) >= 7, "7 send runs", any_engine)
    assert len(sends(tmp_path)) == 1
    statuses = [r.status for r in runs(any_engine, "send")]
    assert statuses.count("ok") == 1 and set(statuses) == {"ok", "skipped"}


def _cron_at(moment) -> str:  # type: ignore[no-untyped-def]
    """A six-field cron expression that fires once a day at `moment` (UTC settings)."""
    return f"{moment.second} {moment.minute} {moment.hour} * * *"


@pytest.mark.slow
@pytest.mark.parametrize("grace_minutes, expected", [(1.0, ["ok"]), (0.02, ["missed"])])
def test_a_run_missed_while_down_catches_up_once_within_grace(  # type: ignore[no-untyped-def]
    settings, engine, fake_functions, grace_minutes: float, expected: list[str]
) -> None:
    base = settings.model_copy(update={"timezone": "UTC"})
    # far enough ahead that the first scheduler is down again by then, even on a busy machine
    due = utcnow().replace(microsecond=0) + timedelta(seconds=6)
    cfg = fast(base, housekeeping=_cron_at(due), misfire_grace_minutes=grace_minutes)
    before = fast(base, housekeeping=_cron_at(due), misfire_grace_minutes=1.0)
    with running(SchedulerService(before, engine, functions=fake_functions)):
        pass  # stored the job with its next run at `due`, then went down
    assert utcnow() < due, "the first scheduler was still up when the job fell due"
    assert dict(upcoming(engine, cfg))["housekeeping"] == due
    # (the grace of the restarted scheduler applies to the stored job)
    late = due + timedelta(seconds=2)  # down while it was due, past the shorter grace (1.2 s)
    wait_until(lambda: utcnow() >= late, f"the clock passing {late:%H:%M:%S}", interval=0.1)
    assert runs(engine, "housekeeping") == []
    with running(SchedulerService(cfg, engine, functions=fake_functions)) as back:
        # finished, not only begun: a run is logged as "running" first (a busy machine can
        # move the next run to tomorrow before the catch-up run itself has ended)
        _wait_for(
            lambda: [r.status for r in runs(engine, "housekeeping")] not in ([], ["running"]),
            "the catch-up run",
            engine,
        )

        def next_run() -> datetime | None:
            return dict(upcoming(engine, cfg))["housekeeping"]

        # once the stored next run is tomorrow's, nothing can run it again today
        wait_until(
            lambda: (nxt := next_run()) is not None and nxt > utcnow() + timedelta(hours=23),
            "the next run moving to tomorrow",
            detail=next_run,
        )
        assert [r.status for r in runs(engine, "housekeeping")] == expected
        assert back.leading.is_set()
    if expected == ["missed"]:
        assert runs(engine, "housekeeping")[0].scheduled_for == due


@pytest.mark.slow
def test_a_shutdown_stops_the_running_crawl_and_the_next_scheduler_crawls_again(  # type: ignore[no-untyped-def]
    settings, engine, fake_functions
) -> None:
    """The crawl job runs `run_crawl` in the scheduler's thread with the scheduler's
    stopping event: stopping the scheduler ends the crawl (its run says so) instead of
    waiting for it, and the next scheduler crawls the source, still due, again."""
    with write_session(engine) as session:
        session.add(Source(name="council-news", url="http://127.0.0.1:9/feed"))
    cfg = fast(settings, crawl="*/2 * * * * *")
    endless = dataclasses.replace(fake_functions, crawl=scheduler_targets.crawl_until_stopped)
    scheduler_targets.STARTED.clear()
    started = time.monotonic()
    with running(SchedulerService(cfg, engine, functions=endless)):
        assert scheduler_targets.STARTED.wait(WAIT_SECONDS), "the crawl job did not start"
    assert time.monotonic() - started < WAIT_SECONDS + 30  # it did not wait 600 s for the crawl
    (first,) = runs(engine, "crawl")
    assert first.status == "interrupted" and "stopped by shutdown" in first.detail
    with running(SchedulerService(cfg, engine, functions=fake_functions)):
        _wait_for(lambda: runs(engine, "crawl")[-1].status == "ok", "a crawl that works", engine)
    assert "council-news: new=1" in runs(engine, "crawl")[-1].detail
    with read_session(engine) as session:
        assert session.exec(select(Source)).one().last_crawled_at is not None
