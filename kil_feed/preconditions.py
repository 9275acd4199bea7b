"""Conditional requests as RFC 9110 13.2.2 orders them, in one place for every server of
ours: the web archive (`web.http`), the demo publisher (`demo.server`) and the test
stand-in (`loopback.MockServer`). No FastAPI or Starlette: the demo site runs without them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

from kil_feed.timeutil import as_utc


def not_modified(
    method: str,
    if_none_match: Sequence[str],
    if_modified_since: Sequence[str],
    etag: str,
    last_modified: datetime | None,
    *,
    current: bool = True,
) -> bool:
    """Whether a GET or HEAD is answered 304, from its header lines: If-None-Match, when
    sent, alone decides (`*` matches any `current` page, tags compare weakly, every line
    counts); only without it, one If-Modified-Since that is an HTTP-date no later than now
    and no earlier than `last_modified` (whole seconds). Anything malformed is ignored."""
    if method not in ("GET", "HEAD"):
        return False
    if if_none_match:
        tags = _tags(",".join(if_none_match))
        return current if "*" in tags else etag.removeprefix("W/") in tags
    if len(if_modified_since) != 1 or last_modified is None or not current:
        return False
    client = parse_http_date(if_modified_since[0])
    if client is None or client > datetime.now(UTC):
        return False  # a date later than ours is invalid and ignored (RFC 9110 13.1.3)
    return as_utc(last_modified).replace(microsecond=0) <= client  # type: ignore[union-attr]


def handler_not_modified(
    request: BaseHTTPRequestHandler, etag: str, last_modified: datetime | None
) -> bool:
    """`not_modified` for a request to a standard-library HTTP server (the demo publisher,
    the test stand-in), from its header lines."""
    return not_modified(
        request.command,
        request.headers.get_all("If-None-Match") or [],
        request.headers.get_all("If-Modified-Since") or [],
        etag,
        last_modified,
    )


_ENTITY_TAG = re.compile(r'[\s,]*(\*|(?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
_HTTP_DATES = (  # RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms
    re.compile(rf"[A-Z][a-z]{{2}}, (?P<day>\d\d) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT"),
    re.compile(rf"[A-Z][a-z]{{5,8}}, (?P<day>\d\d)-{_MONTH}-(?P<year>\d\d) {_TIME} GMT"),
    re.compile(rf"[A-Z][a-z]{{2}} {_MONTH} (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})"),
)


def _tags(if_none_match: str) -> set[str]:
    """The entity tags of an If-None-Match (weak ones as their opaque tag), `*` as itself;
    a member that is no entity tag ends the list (a quoted tag may hold a comma)."""
    tags, at = set(), 0
    while at < len(if_none_match) and (found := _ENTITY_TAG.match(if_none_match, at)):
        tags.add(found.group(1).removeprefix("W/"))
        at = found.end()
    return tags


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date in any of its three forms as a UTC datetime; None for anything else (a
    zone other than GMT, a 31 February, a year of twenty digits)."""
    for form in _HTTP_DATES:
        if found := form.fullmatch(value.strip()):
            year = int(found["year"])
            if len(found["year"]) == 2:  # RFC 850: at most 50 years ahead, else the century before
                this_year = datetime.now(UTC).year
                year += 100 * (this_year // 100)
                year -= 100 if year > this_year + 50 else 0
            try:
                return datetime(
                    year, _MONTHS.index(found["month"]) + 1, int(found["day"]),
                    int(found["hour"]), int(found["minute"]), int(found["second"]), tzinfo=UTC,
                )  # fmt: skip
            except ValueError:
                return None
    return None
