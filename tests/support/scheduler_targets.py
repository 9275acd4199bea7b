"""Library functions registered for scheduler tests through the same path as the real ones
(`Runtime.targets`): a crawl that hangs (with a grandchild), a crawl that records success,
and build/send stand-ins that leave real rows and a ledger of calls.

The send stand-in sleeps a little so that two concurrent senders overlap, and leaves the
issue's status alone: only the scheduler's own once-per-week claim can stop a second send.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kil_feed.config import Settings
from kil_feed.db import make_engine, write_session
from kil_feed.models import Issue
from kil_feed.storage import issues
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import iso_week, utcnow

PIDS_FILE_ENV = "KIL_TEST_PIDS_FILE"
LEDGER_ENV = "KIL_TEST_SEND_LEDGER"


def hang_crawl(settings: Settings, *, sources: list[str], time_limit: float | None = None) -> Any:
    """A crawl that never ends, with a grandchild that never ends either."""
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pids = Path(os.environ[PIDS_FILE_ENV])
    partial = pids.with_suffix(".part")  # renamed into place: a reader never sees half of it
    partial.write_text(json.dumps([os.getpid(), grandchild.pid]))
    partial.replace(pids)
    time.sleep(600)


def quick_crawl(settings: Settings, *, sources: list[str], time_limit: float | None = None) -> Any:
    """A crawl that succeeds at once: marks each source crawled."""
    engine = make_engine(settings)
    try:
        with write_session(engine) as session:
            found = [source_store.get_source(name, session=session) for name in sources]
            source_store.record_fetches(
                [source_store.FetchOutcome(s.id) for s in found],  # type: ignore[arg-type]
                session=session,
            )
    finally:
        engine.dispose()
    return [{"name": name, "new": 1} for name in sources]


def fake_build(engine: Any, settings: Settings, week: str | None = None) -> Issue:
    week = week or iso_week(utcnow(), settings.timezone)
    with write_session(engine) as session:
        issue = issues.find_issue_for_week(week, session=session)
        if issue is None:
            issue = Issue(week=week, subject=f"Issue {week}")
            session.add(issue)
            session.flush()
    return issue


@dataclass
class FakeReport:
    sent: int = 1
    failed: int = 0


def fake_send(engine: Any, settings: Settings, issue_id: int, **_: Any) -> FakeReport:
    with open(os.environ[LEDGER_ENV], "a") as ledger:
        ledger.write(f"{issue_id} {os.getpid()}\n")
    time.sleep(0.5)  # long enough for a second sender to overlap; the status stays as it was
    return FakeReport()


FAKE_TARGETS = {
    "crawl": "tests.support.scheduler_targets:quick_crawl",
    "build": "tests.support.scheduler_targets:fake_build",
    "send": "tests.support.scheduler_targets:fake_send",
}
