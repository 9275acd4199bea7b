"""Stand-in library functions for scheduler tests, passed as `JobFunctions` like the real
ones: a crawl that records success, a crawl that runs until the scheduler stops it, and
build/send stand-ins that leave real rows and a ledger of calls.

The send stand-in sleeps a little so that two concurrent senders overlap, and leaves the
issue's status alone: only the scheduler's own once-per-week claim can stop a second send.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from kil_feed.config import Settings
from kil_feed.db import make_engine, write_session
from kil_feed.ingest.deadline import SHUTDOWN
from kil_feed.ingest.summary import SourceSummary
from kil_feed.models import Issue
from kil_feed.scheduler.runtime import JobFunctions, library_functions
from kil_feed.storage import issues
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import iso_week, utcnow
from newsletter.report import SendReport

LEDGER_ENV = "KIL_TEST_SEND_LEDGER"
STARTED = threading.Event()  # set when `crawl_until_stopped` begins


def quick_crawl(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    time_limit: float | None = None,
    stop: threading.Event | None = None,
) -> list[SourceSummary]:
    """A crawl that succeeds at once: marks each source crawled."""
    names = list(sources or [])
    engine = make_engine(settings)
    try:
        with write_session(engine) as session:
            found = [source_store.get_source(name, session=session) for name in names]
            source_store.record_fetches(
                [source_store.FetchOutcome(s.id) for s in found],  # type: ignore[arg-type]
                session=session,
            )
    finally:
        engine.dispose()
    return [SourceSummary(name=name, kind="feed", new=1) for name in names]


def crawl_until_stopped(
    settings: Settings,
    *,
    sources: list[str] | None = None,
    time_limit: float | None = None,
    stop: threading.Event | None = None,
) -> list[SourceSummary]:
    """A crawl that goes on until its `stop` event is set (as run_crawl's does)."""
    assert stop is not None, "the crawl job must pass the scheduler's stopping event"
    STARTED.set()
    stop.wait(600)
    return [
        SourceSummary(name=name, kind="feed", error=SHUTDOWN, stopped=SHUTDOWN)
        for name in sources or []
    ]


def fake_build(engine: Any, settings: Settings, week: str | None = None) -> Issue:
    week = week or iso_week(utcnow(), settings.timezone)
    with write_session(engine) as session:
        issue = issues.find_issue_for_week(week, session=session)
        if issue is None:
            issue = Issue(week=week, subject=f"Issue {week}")
            session.add(issue)
            session.flush()
    return issue


def fake_send(engine: Any, settings: Settings, issue_id: int, **_: Any) -> SendReport:
    with open(os.environ[LEDGER_ENV], "a") as ledger:
        ledger.write(f"{issue_id} {os.getpid()}\n")
    time.sleep(0.5)  # long enough for a second sender to overlap; the status stays as it was
    return SendReport(issue_id=issue_id, attempted=1, sent=1)


def fake_functions() -> JobFunctions:
    """Stand-ins for crawl, build and send; the real `approve_issue`."""
    return JobFunctions(
        crawl=quick_crawl, build=fake_build, send=fake_send, approve=library_functions().approve
    )
