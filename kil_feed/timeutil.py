"""UTC-aware time helpers and the column type that keeps timestamps aware on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, in UTC, aware, to the microsecond."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def latest(*values: datetime | None) -> datetime | None:
    """The most recent of some timestamps, in UTC (None when there are none)."""
    present = [as_utc(v) for v in values if v is not None]
    return max(present) if present else None  # type: ignore[type-var]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC (naive on SQLite, timestamptz on PostgreSQL) and always returns aware UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)  # type: ignore[union-attr]
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return as_utc(value)


def iso_week(when: datetime | date | None = None, tz: str = "Europe/London") -> str:
    """The ISO week label `YYYY-Www` of a moment, seen in the given time zone."""
    if when is None:
        when = utcnow()
    if isinstance(when, datetime):
        when = local_day(when, tz)
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str, tz: str = "Europe/London") -> tuple[datetime, datetime]:
    """UTC start (Monday 00:00 local) and end (next Monday) of an ISO week `YYYY-Www`."""
    try:
        year_s, week_s = week.upper().split("-W")
        monday = date.fromisocalendar(int(year_s), int(week_s), 1)
    except ValueError as exc:
        raise ValueError(f"not an ISO week: {week!r} (expected YYYY-Www, e.g. 2026-W48)") from exc
    return day_start(monday, tz), day_start(monday + timedelta(days=7), tz)


def day_end(day: date, tz: str = "Europe/London") -> datetime:
    """The last instant of `day` in `tz`, in UTC: what "by 1 July" means to a UK reader.
    The end of the UTC day was an hour late in summer: 00:30 BST on 2 July (23:30 UTC on
    1 July) counted as closing by 1 July."""
    return datetime.combine(day, time.max, ZoneInfo(tz)).astimezone(UTC)


def day_start(day: date, tz: str = "Europe/London") -> datetime:
    """The first instant of `day` in `tz` (its 00:00, GMT or BST as the day falls), in UTC:
    where a UK week, quarter or day of the market figures begins."""
    return datetime.combine(day, time.min, ZoneInfo(tz)).astimezone(UTC)


def local_day(value: datetime, tz: str = "Europe/London") -> date:
    """The day a moment falls on in `tz` (naive values are UTC): 23:30 UTC on Sunday 7 June
    is 00:30 BST on Monday 8 June, in that Monday's week."""
    return as_utc(value).astimezone(ZoneInfo(tz)).date()  # type: ignore[union-attr]


def local_today(tz: str = "Europe/London", now: datetime | None = None) -> date:
    """Today in `tz` (for a UK reader the day turns at midnight UK time, not UTC)."""
    return local_day(now or utcnow(), tz)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`-free `+00:00` offset, or None."""
    return as_utc(value).isoformat() if value is not None else None  # type: ignore[union-attr]


def day_label(value: datetime | None, tz: str = "Europe/London") -> str:
    """`1 Jul 2026`: the day a moment falls on in `tz` (a UK page shows the UK day: a
    posting of 00:30 BST on 1 July is 23:30 UTC on 30 June); '' for None."""
    if value is None:
        return ""
    when = as_utc(value).astimezone(ZoneInfo(tz))  # type: ignore[union-attr]
    return f"{when.day} {when:%b %Y}"


def human_time(value: datetime | None, *, now: datetime | None = None, tz: str = "UTC") -> str:
    """A time as people read it, in `tz`: `today 08:14`, `yesterday 17:30`, `tomorrow
    06:00`, `3 days ago`, `in 6 days (Mon 07 Dec 06:00)`, or a date further off.

    For people only: `--json` and the API keep ISO 8601 (`isoformat`)."""
    if value is None:
        return "never"
    zone = ZoneInfo(tz)
    when = as_utc(value).astimezone(zone)  # type: ignore[union-attr]
    today = (now or utcnow()).astimezone(zone).date()
    days = (when.date() - today).days
    clock = when.strftime("%H:%M")
    named = {0: "today", -1: "yesterday", 1: "tomorrow"}
    if days in named:
        return f"{named[days]} {clock}"
    if -7 < days < 0:
        return f"{-days} days ago"
    if 0 < days < 7:
        return f"in {days} days ({when.strftime('%a %d %b')} {clock})"
    return when.strftime("%d %b %Y %H:%M")


def duration_label(span: timedelta) -> str:
    """A length of time as people say it: `45 s`, `20 min`, `24 h`, `1.5 h`."""
    seconds = span.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{round(seconds / 3600, 1):g} h"
