"""The scheduler (APScheduler 3.x): crawl, build, send and housekeeping on cron schedules.

`SchedulerService` runs it (`kil schedule`, `kil run`); `upcoming()` and `recent_runs()`
feed `kil schedule --list` and `kil status`. Nothing here runs at import.
"""

from __future__ import annotations

from kil_feed.scheduler.status import job_infos, recent_runs, upcoming
from kil_feed.scheduler.triggers import JOB_NAMES

__all__ = ["JOB_NAMES", "job_infos", "recent_runs", "upcoming"]
