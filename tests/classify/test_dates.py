"""parse_closing_date: validThrough values and closing-date phrases, always aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crawler.classify import parse_closing_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-12-31T23:59:59+0000", datetime(2020, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2021-03-31T23:59:59+01:00", datetime(2021, 3, 31, 22, 59, 59, tzinfo=UTC)),
        ("2026-12-12T17:00:00Z", datetime(2026, 12, 12, 17, tzinfo=UTC)),
        # ISO 8601's basic format, with its time of day (naive: UK time, BST in July)
        ("20260701T170000", datetime(2026, 7, 1, 16, tzinfo=UTC)),
        ("20261212T1700Z", datetime(2026, 12, 12, 17, tzinfo=UTC)),
        # date only: the end of that day in UK local time
        ("2026-12-12", datetime(2026, 12, 12, 23, 59, 59, tzinfo=UTC)),
        ("2023-06-30", datetime(2023, 6, 30, 22, 59, 59, tzinfo=UTC)),
        ("Closing date: 12 December 2026", datetime(2026, 12, 12, 23, 59, 59, tzinfo=UTC)),
        ("Closing date: 12/01/2027", datetime(2027, 1, 12, 23, 59, 59, tzinfo=UTC)),
        (
            "Deadline for applications is 5pm on 3 February 2027",
            datetime(2027, 2, 3, 17, tzinfo=UTC),
        ),
        ("Closing date: 5 June 2024 12:00 GMT", datetime(2024, 6, 5, 12, tzinfo=UTC)),
        # a dotted date is not a time; "midnight" means the end of the closing day
        ("09.03.2021", datetime(2021, 3, 9, 23, 59, 59, tzinfo=UTC)),
        (
            "Closing date: Monday 3 March 2025 at midnight",
            datetime(2025, 3, 3, 23, 59, 59, tzinfo=UTC),
        ),
        ("Closing date: 12 noon, 4 May 2027", datetime(2027, 5, 4, 11, tzinfo=UTC)),
        (
            "Closing date: 31 Jan 2027 (interviews w/c 8 Feb)",
            datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC),
        ),
        ("Tue, 09 Mar 2021 17:00:00 GMT", datetime(2021, 3, 9, 17, tzinfo=UTC)),
        (date(2027, 1, 15), datetime(2027, 1, 15, 23, 59, 59, tzinfo=UTC)),
        (datetime(2027, 1, 15, 9, 0, tzinfo=UTC), datetime(2027, 1, 15, 9, 0, tzinfo=UTC)),
    ],
)
def test_closing_dates(value: object, expected: datetime) -> None:
    got = parse_closing_date(value)
    assert got == expected
    assert got is not None and got.utcoffset() is not None and got.tzinfo == UTC


@pytest.mark.parametrize(
    "value",
    ["", None, "Closing date: tbc", "Ongoing", "Closing date: 3200-01-01", "1999999", 42],
)
def test_no_closing_date(value: object) -> None:
    assert parse_closing_date(value) is None
