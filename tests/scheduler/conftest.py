"""Helpers for scheduler tests: fast settings, a service running in a thread, the run log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Issue, IssueStatus, JobRun
from kil_feed.scheduler.runtime import JobFunctions
from kil_feed.scheduler.service import SchedulerService
from kil_feed.storage import job_runs
from kil_feed.timeutil import iso_week, utcnow
from tests.support import scheduler_targets

ROOT = Path(__file__).resolve().parents[2]
OFF = {"crawl": "", "build": "", "send": "", "housekeeping": "", "retry": ""}


def fast(settings: Settings, **schedule: Any) -> Settings:
    """The settings with quick heartbeats, every job off unless given, and `schedule` set."""
    values = {
        **OFF,
        "heartbeat_seconds": 0.2,
        "lock_ttl_seconds": 2.0,
        "misfire_grace_minutes": 1.0,
        "crawl_kill_margin_seconds": 1.0,
        **schedule,
    }
    return settings.model_copy(update={"schedule": settings.schedule.model_copy(update=values)})


@contextmanager
def running(service: SchedulerService, *, lead: bool = True) -> Iterator[SchedulerService]:
    """Run `service` in a thread until the block ends; by default wait until it leads."""
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    try:
        if lead:
            assert service.leading.wait(10), "the scheduler did not start leading"
        yield service
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the scheduler did not stop"


def runs(engine: Engine, job: str | None = None) -> list[JobRun]:
    with read_session(engine) as session:
        return list(reversed(job_runs.recent_job_runs(session=session, job=job, limit=1000)))


def approved_issue(engine: Engine, settings: Settings) -> int:
    """This week's issue, approved (what an editor does before the Monday send)."""
    with write_session(engine) as session:
        issue = Issue(
            week=iso_week(utcnow(), settings.timezone),
            subject="This week",
            status=IssueStatus.approved.value,
            approved_at=utcnow(),
        )
        session.add(issue)
        session.flush()
        return int(issue.id)  # type: ignore[arg-type]


@pytest.fixture
def fake_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JobFunctions:
    """Stand-in library functions (the send's ledger under tmp_path)."""
    monkeypatch.setenv(scheduler_targets.LEDGER_ENV, str(tmp_path / "sends.log"))
    return scheduler_targets.fake_functions()


def sends(tmp_path: Path) -> list[str]:
    ledger = tmp_path / "sends.log"
    return ledger.read_text().splitlines() if ledger.exists() else []
