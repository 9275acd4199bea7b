"""The scheduler's jobs as configured: a cron trigger per job, in the configured time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from kil_feed.config import Settings
from kil_feed.errors import ConfigError

# Job names in the order they are listed; each is a field of ScheduleSettings.
JOB_NAMES = ("crawl", "build", "send", "housekeeping", "retry")


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A trigger from five crontab fields, or six with seconds first (`*/5 * * * * *`)."""
    fields = expression.split()
    tz = ZoneInfo(timezone)
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=tz)
        if len(fields) == 6:
            second, minute, hour, day, month, dow = fields
            return CronTrigger(
                second=second,
                minute=minute,
                hour=hour,
                day=day,
                month=month,
                day_of_week=dow,
                timezone=tz,
            )
    except ValueError as exc:
        raise ConfigError(
            f"invalid cron expression {expression!r}: {exc}",
            hint="five fields: minute hour day month weekday, e.g. '0 8 * * mon'",
        ) from None
    raise ConfigError(
        f"invalid cron expression {expression!r}: expected 5 fields (or 6 with seconds first)",
        hint="e.g. '0 */2 * * *' for every two hours",
    )


def configured_jobs(settings: Settings) -> dict[str, CronTrigger | None]:
    """Each job's trigger; None for a job switched off with an empty expression."""
    jobs: dict[str, CronTrigger | None] = {}
    for name in JOB_NAMES:
        expression = str(getattr(settings.schedule, name)).strip()
        jobs[name] = cron_trigger(expression, settings.timezone) if expression else None
    return jobs


def cron_expression(settings: Settings, name: str) -> str:
    return str(getattr(settings.schedule, name)).strip()
