"""What the scheduler will do next and what it did: for `kil schedule --list` and `kil status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import JobRun
from kil_feed.scheduler.triggers import JOB_NAMES, configured_jobs, cron_expression
from kil_feed.storage import job_runs
from kil_feed.timeutil import utcnow


@dataclass
class JobInfo:
    name: str
    cron: str
    next_run: datetime | None
    stored: bool  # the next run comes from the job store (a scheduler has run)
    last_status: str | None
    last_started: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "job": self.name,
            "cron": self.cron,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "scheduled": self.stored,
            "last_status": self.last_status,
            "last_run": self.last_started.isoformat() if self.last_started else None,
        }


def job_infos(engine: Engine, settings: Settings) -> list[JobInfo]:
    """Each configured job with its next run (stored, else computed) and its last run."""
    triggers = configured_jobs(settings)
    now = utcnow()
    with read_session(engine) as session:
        stored = job_runs.stored_next_runs(session=session)
        last = {
            name: job_runs.recent_job_runs(session=session, job=name, limit=1) for name in JOB_NAMES
        }
    infos = []
    for name in JOB_NAMES:
        trigger = triggers[name]
        next_run: datetime | None = None
        in_store = trigger is not None and name in stored
        if in_store:
            ts = stored[name]
            next_run = datetime.fromtimestamp(ts, UTC) if ts is not None else None
        elif trigger is not None:
            fire = trigger.get_next_fire_time(None, now.astimezone(trigger.timezone))
            next_run = fire.astimezone(UTC) if fire else None
        run = last[name][0] if last[name] else None
        infos.append(
            JobInfo(
                name=name,
                cron=cron_expression(settings, name),
                next_run=next_run,
                stored=in_store,
                last_status=run.status if run else None,
                last_started=run.started_at if run else None,
            )
        )
    return infos


def upcoming(engine: Engine, settings: Settings) -> list[tuple[str, datetime | None]]:
    """(job name, next run in UTC) for every configured job; None when switched off."""
    return [(info.name, info.next_run) for info in job_infos(engine, settings)]


def recent_runs(engine: Engine, limit: int = 10) -> list[JobRun]:
    """The latest scheduler runs, newest first."""
    with read_session(engine) as session:
        return list(job_runs.recent_job_runs(session=session, limit=limit))
