"""The scheduler service: wait to lead, then run the configured jobs until told to stop.

While another scheduler holds the leader lock this one is a stand-by: it says so once and
retries every `heartbeat_seconds`. Once it leads it starts APScheduler on the persistent
job store (paused), brings the stored jobs in line with the configuration while keeping
their stored next run time (so a run missed while the service was down fires once on
start, within the misfire grace time), resumes, and renews the lock until it stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import make_engine, write_session, writer
from kil_feed.errors import ConfigError
from kil_feed.scheduler import runtime as runtimes
from kil_feed.scheduler.jobs import JOB_FUNC_REF
from kil_feed.scheduler.lock import current_holder, make_leader_lock
from kil_feed.scheduler.runtime import JobFunctions, Runtime, library_functions
from kil_feed.scheduler.triggers import configured_jobs
from kil_feed.storage import job_runs
from kil_feed.timeutil import as_utc, human_time

logger = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"


def require_current_schema(engine: Engine) -> None:
    """A scheduler on an old schema would fail on its first write: say so up front."""
    from kil_feed.migrate import schema_behind

    problem = schema_behind(engine)
    if problem:
        raise ConfigError(problem)


class SchedulerService:
    """One scheduler instance; `run(stop)` blocks until `stop` is set."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        announce: Callable[[str], None] | None = None,
        functions: JobFunctions | None = None,
    ) -> None:
        configured_jobs(settings)  # a bad cron expression fails now, not when leading
        self.settings = settings
        self.engine = engine
        self.runtime = Runtime(
            settings=settings, engine=engine, functions=functions or library_functions()
        )
        self.owner = self.runtime.owner
        self.lock = make_leader_lock(engine, self.owner, settings.schedule.lock_ttl_seconds)
        self.announce = announce or (lambda message: logger.info("%s", message))
        self.leading = threading.Event()
        self.scheduler: BackgroundScheduler | None = None

    # --- the loop -------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        beat = self.settings.schedule.heartbeat_seconds
        said_standby = False
        try:
            while not stop.is_set():
                if self.lock.try_acquire():
                    said_standby = False
                    self._lead(stop)
                    continue
                if not said_standby:
                    self.announce(self._standby_message())
                    said_standby = True
                stop.wait(beat)
        finally:
            self.lock.release()
            self.announce("scheduler stopped")

    def _standby_message(self) -> str:
        holder = current_holder(self.engine)
        who = ""
        if holder is not None:
            since = human_time(holder.acquired_at, tz=self.settings.timezone)
            who = f" ({holder.owner}, since {since})"
        return f"stand-by: another scheduler is active{who}; waiting to take over"

    def _lead(self, stop: threading.Event) -> None:
        rt = self.runtime
        rt.stopping.clear()
        runtimes.register(rt)
        # the job store's own engine, disposed when leading ends (the store's shutdown
        # disposes only its writer view, which would leave pooled connections open)
        store_engine = make_engine(self.settings)
        scheduler = self._start_scheduler(store_engine)
        self.scheduler = scheduler
        self.leading.set()
        self.announce(f"leading: {self._describe_jobs(scheduler)}")
        try:
            while not stop.wait(self.settings.schedule.heartbeat_seconds):
                if not self.lock.refresh():
                    self.announce("lost the scheduler lock: stepping down to stand-by")
                    break
        finally:
            self.leading.clear()
            rt.stopping.set()  # a running crawl stops its processes and returns
            scheduler.pause()
            scheduler.shutdown(wait=True)
            store_engine.dispose()
            runtimes.unregister(rt)
            self.scheduler = None

    # --- APScheduler ----------------------------------------------------------------

    def _start_scheduler(self, store_engine: Engine) -> BackgroundScheduler:
        store = SQLAlchemyJobStore(engine=writer(store_engine), tablename=JOBSTORE_TABLE)
        scheduler = BackgroundScheduler(
            jobstores={"default": store},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults=self._job_defaults(),
            timezone=ZoneInfo(self.settings.timezone),
        )
        scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        scheduler.start(paused=True)
        self._reconcile(scheduler)
        scheduler.resume()
        return scheduler

    def _job_defaults(self) -> dict[str, object]:
        grace = self.settings.schedule.misfire_grace_minutes
        return {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(1, round(grace * 60)),
        }

    def _reconcile(self, scheduler: BackgroundScheduler) -> None:
        """Make the stored jobs match the configuration without losing missed run times."""
        wanted = configured_jobs(self.settings)
        for job in scheduler.get_jobs():
            if wanted.get(job.id) is None:
                logger.info("removing job %s (no longer configured)", job.id)
                job.remove()
        for name, trigger in wanted.items():
            if trigger is None:
                continue
            args = (name, self.runtime.token)
            job = scheduler.get_job(name)
            if job is not None and repr(job.trigger) == repr(trigger):
                scheduler.modify_job(  # keeps the stored next run time
                    name, args=args, func=JOB_FUNC_REF, **self._job_defaults()
                )
                continue
            scheduler.add_job(
                JOB_FUNC_REF, trigger, args=args, id=name, name=name, replace_existing=True
            )

    def _on_missed(self, event: JobExecutionEvent) -> None:
        when = as_utc(event.scheduled_run_time)
        grace = self.settings.schedule.misfire_grace_minutes
        logger.warning("job %s missed its run at %s (grace %s min)", event.job_id, when, grace)
        with write_session(self.engine) as session:
            job_runs.record_missed(
                event.job_id,
                when,  # type: ignore[arg-type]
                owner=self.owner,
                detail=f"late by more than the misfire grace time ({grace:g} min)",
                session=session,
            )

    @staticmethod
    def _describe_jobs(scheduler: BackgroundScheduler) -> str:
        jobs = sorted(scheduler.get_jobs(), key=lambda j: j.id)
        if not jobs:
            return "no jobs configured"
        return ", ".join(
            f"{j.id} next {j.next_run_time:%Y-%m-%d %H:%M:%S %Z}" if j.next_run_time else j.id
            for j in jobs
        )
