"""Closing dates: schema.org `validThrough` values and phrases such as "Closing date: 12
December 2026" or "Closes : 11:50 pm on Sunday 2nd July 2023", as aware UTC datetimes; in Welsh too
("Dyddiad cau: 5ed Rhagfyr 2026 am 12:00", `crawler.normal.date_languages`).

A date without a time of day means the end of that day in UK local time (23:59:59
Europe/London), which is how UK public-sector adverts mean "closing date". Parsing is
day-first (15/05/2042 is 15 May) and never guesses from a lone number.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time
from typing import Any

from crawler.normal import UK, iso_datetime, parse_free_date, uk_time

logger = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1990, 2100

_SETTINGS: dict[str, Any] = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "last",
    "PREFER_DATES_FROM": "future",
    "REQUIRE_PARTS": ["day", "month"],
    "RETURN_AS_TIMEZONE_AWARE": False,
}
# Only a phrase that names its zone is parsed zone-aware by dateparser; anything else is UK
# local time, applied with zoneinfo (pytz's tables used by dateparser stop at 2037).
_ZONED_SETTINGS: dict[str, Any] = {
    **_SETTINGS,
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "Europe/London",
    "TO_TIMEZONE": "UTC",
}
_ZONE_IN_TEXT = re.compile(r"\b(?:GMT|UTC|BST|CET|Z)\b|[+-]\d{2}:?\d{2}\b")
_LABEL = re.compile(
    r"\b(?:closing\s+date(?:\s+for\s+applications)?(?:\s+is)?|closing(?=\s*[:\-–])|closes(?:\s+on)?|apply\s+(?:before|by)|"
    r"deadline(?:\s+for\s+applications)?(?:\s+is)?|expiry\s+date|expires(?:\s+on)?|valid\s+through|"
    r"applications?\s+(?:close|by|must\s+be\s+received\s+by)|dyddiad\s+cau)\s*[:\-–]?\s*",
    re.IGNORECASE,
)
# "09.03.2021" is a date, so a dotted time needs am/pm; "midnight" on a closing date means the
# end of that day, which is also what a date without a time gets.
_TIME_OF_DAY = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\.\d{2}\s*(?:am|pm)\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidday\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b,?", re.IGNORECASE
)
# English ordinals, and Welsh ones (1af, 2il, 3ydd, 5ed, 7fed, 11eg, 21ain)
_ORDINAL = re.compile(r"\b(\d{1,2})\s*(?:st|nd|rd|th|af|il|ydd|ed|fed|eg|ain)\b", re.IGNORECASE)
_PHRASE_END = re.compile(r"[;\n(]|\.\s|\s-\s|,\s*(?:or|and|previous|interviews?)\b", re.IGNORECASE)


# where prose states a closing date: "The closing date is 9.30am on Tuesday 27 th March 2018"
_CLOSING_PROSE = re.compile(
    r"\b(?:closing\s+date|closes\s+on|apply\s+by|apply\s+before|deadline\s+for\s+applications|"
    r"applications?\s+(?:close|must\s+be\s+received)|dyddiad\s+cau)\b",
    re.IGNORECASE,
)


def closing_phrase(text: str) -> str | None:
    """The first phrase of `text` that states a closing date parse_closing_date reads: an
    advert or feed entry that gives it only in its words, with no validThrough or field."""
    found = _closing_in(text)
    return found[0] if found else None


def closing_date_in(text: str) -> datetime | None:
    """The date `closing_phrase` finds, as parse_closing_date reads it: read once, where
    parsing the phrase it returns would run dateparser a second time."""
    found = _closing_in(text)
    return found[1] if found else None


def _closing_in(text: str) -> tuple[str, datetime] | None:
    for match in _CLOSING_PROSE.finditer(text or ""):
        phrase = re.split(r"[\n;]|\.\s", text[match.start() : match.start() + 160])[0]
        if (closes := parse_closing_date(phrase)) is not None:
            return phrase, closes
    return None


def parse_closing_date(value: Any) -> datetime | None:
    """An aware UTC datetime, or None when the value holds no believable date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _check(uk_time(value))
    if isinstance(value, date):
        return _check(datetime.combine(value, time(23, 59, 59), UK))
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    iso = _from_iso(text)
    if iso is not None:
        return iso
    label = _LABEL.search(text)
    phrase = text[label.end() :] if label else text
    cut = _PHRASE_END.search(phrase)
    phrase = phrase[: cut.start()] if cut else phrase
    return _from_phrase(phrase[:80])


def _from_iso(text: str) -> datetime | None:
    parsed = iso_datetime(text)
    if parsed is None:
        return None
    if len(text) == 10:
        return _check(datetime.combine(parsed.date(), time(23, 59, 59), UK))
    return _check(uk_time(parsed))


def _from_phrase(phrase: str) -> datetime | None:
    cleaned = _WEEKDAY.sub(" ", phrase)
    cleaned = _ORDINAL.sub(r"\1", cleaned)
    cleaned = re.sub(r"\b(\d{1,2})\.(\d{2})\s*(am|pm)\b", r"\1:\2\3", cleaned, flags=re.I)
    cleaned = re.sub(r"\b(?:on|the|of|at|by|midnight)\b", " ", cleaned, flags=re.I)
    cleaned = " ".join(cleaned.split()).strip(" ,.:")
    if not cleaned or not re.search(r"\d", cleaned):
        return None
    zoned = bool(_ZONE_IN_TEXT.search(cleaned))
    settings = _ZONED_SETTINGS if zoned else _SETTINGS
    parsed = parse_free_date(cleaned, settings)
    if parsed is None:
        logger.debug("no closing date in %r", phrase)
        return None
    parsed = uk_time(parsed)
    if not _TIME_OF_DAY.search(cleaned):
        local = parsed.astimezone(UK)
        parsed = datetime.combine(local.date(), time(23, 59, 59), UK)
    return _check(parsed)


def _check(value: datetime) -> datetime | None:
    value = value.astimezone(UTC)
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None
