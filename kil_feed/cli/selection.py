"""Choosing items from the command line: ids or filters, `--since`, and prompts that work
both in a terminal and with piped stdin (one answer per line; end of input takes the
default), so scripts and tests drive the same code as people."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from kil_feed.cli.output import console
from kil_feed.errors import ValidationError
from kil_feed.models import ItemKind, ItemStatus
from kil_feed.regions import canonical_region
from kil_feed.storage.curation import ItemFilter
from kil_feed.timeutil import day_start, local_today, utcnow

_AGO = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
STATUS_ANY = "any"


# named days: an explicit table, so a typo is an error rather than a guess
_DAYS_BACK = {"today": 0, "yesterday": 1}
_WEEKDAYS = {
    name: number
    for number, day in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (day, day[:3])
}
SINCE_FORMS = "7d, 12h, 2w, a date like 2026-11-01, today, yesterday or a weekday (monday)"
SINCE_HELP = f"Collected since: {SINCE_FORMS}; a day from its local midnight."


def _named_day(word: str, today: date) -> date | None:
    """The day `word` names (a weekday: its most recent one, today if it is today)."""
    if word in _DAYS_BACK:
        return today - timedelta(days=_DAYS_BACK[word])
    if word in _WEEKDAYS:
        return today - timedelta(days=(today.weekday() - _WEEKDAYS[word]) % 7)
    return None


def parse_since(value: str | None, tz: str = "Europe/London") -> datetime | None:
    """`7d`, `12h`, `2w`, `30m`, a date/time (`2026-11-01`, local time zone `tz`), or a
    named day (`today`, `yesterday`, `monday`/`mon`: its most recent one) from its local
    midnight in `tz`."""
    if value is None or not value.strip():
        return None
    day = _named_day(value.strip().lower(), local_today(tz))
    if day is not None:
        return day_start(day, tz)
    match = _AGO.match(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        try:
            return utcnow() - timedelta(**{_UNITS[unit]: amount})
        except OverflowError:  # `999999999d`: before the year 1
            raise ValidationError(
                f"bad --since {value!r}: that is before the year 1", hint="use e.g. 7d or 52w"
            ) from None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value.strip()), datetime.min.time())
        except ValueError:
            raise ValidationError(f"bad --since {value!r}", hint=f"use {SINCE_FORMS}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def make_filter(
    *,
    kind: str | None,
    status: str | None,
    source: str | None,
    since: str | None,
    topics: list[str] | None,
    regions: list[str] | None,
    tz: str,
    default_status: str | None = None,
) -> ItemFilter:
    """An ItemFilter from command-line options, each value checked."""
    if kind is not None and kind not in {k.value for k in ItemKind}:
        raise ValidationError(f"bad --kind {kind!r}", hint="news, job or notice")
    if status is None:
        status = default_status
    elif status == STATUS_ANY:
        status = None
    elif status not in {s.value for s in ItemStatus}:
        raise ValidationError(f"bad --status {status!r}", hint="pending, approved, rejected or any")
    return ItemFilter(
        kind=kind,
        status=status,
        source=source,
        since=parse_since(since, tz),
        topics=tuple(t.strip() for t in topics or [] if t.strip()),
        regions=tuple(canonical_region(r) for r in regions or []),
    )


def interactive() -> bool:
    """Is a person at a terminal (rather than a pipe or a test runner)?"""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def ask_line(prompt: str, default: str = "") -> str | None:
    """One line of text; None at end of input."""
    if interactive():
        try:
            return click.prompt(prompt, default=default, show_default=bool(default))
        except click.Abort:
            return None
    console.print(f"{prompt}: ", end="", markup=False)
    line = sys.stdin.readline()
    console.print(line.rstrip("\r\n"), markup=False)
    if not line:
        return None
    return line.rstrip("\r\n") or default


def ask_yes_no(question: str, default: bool = False) -> bool:
    """A yes/no question; end of input (or an empty answer) takes the default."""
    if interactive():
        return click.confirm(question, default=default)
    hint = "[Y/n]" if default else "[y/N]"
    console.print(f"{question} {hint}: ", end="", markup=False)  # "[y/N]" is no tag
    line = sys.stdin.readline()
    console.print(line.strip(), markup=False)
    if not line:
        return default
    answer = line.strip().lower()
    if not answer:
        return default
    return answer in ("y", "yes")
