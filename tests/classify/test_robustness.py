"""Hostile and odd input: never an exception, never a pathological slowdown."""

from __future__ import annotations

import time

import pytest

from crawler.classify import (
    contract_type_for,
    ir35_for,
    parse_closing_date,
    parse_pay,
    regions_for,
    topics_for,
)

JUNK: list[object] = [
    None,
    "",
    " ",
    0,
    -1,
    1e308,
    float("nan"),
    [],
    {},
    [{}],
    {"value": None},
    {"value": {"value": {"value": "£"}}},
    {"minValue": "abc", "maxValue": [1]},
    "£",
    "£,,,",
    "£1-",
    "-£5 per day",
    "£" + "9" * 400,
    "\x00\ufffd\u202e",
    "<script>alert(1)</script>",
    {"address": {"address": "SW1A 2AA"}},
    {"postalCode": 12345},
    {"addressCountry": ["GB", None]},
    b"bytes",
    object(),
]


@pytest.mark.parametrize("value", JUNK, ids=range(len(JUNK)))
def test_junk_never_raises(value: object) -> None:
    pay = parse_pay(value)
    assert pay is None or (pay.min or pay.max)
    parse_closing_date(value)
    regions_for(address=value)
    if isinstance(value, str):
        regions_for(value)
        topics_for(value)
        contract_type_for(value, value)
        ir35_for(value)


def test_long_hostile_text_stays_linear() -> None:
    chunks = [
        "Reading " * 20_000,
        "£1,000," * 20_000,
        "£" + "1," * 50_000,
        "per " * 50_000,
        "in Bath " * 20_000,
        "Closing date: " + "1 " * 20_000,
        "AB1 " * 30_000,
        "IR35 " * 30_000,
    ]
    start = time.process_time()  # CPU time: other processes on the machine do not count
    for text in chunks:
        parse_pay(text)
        regions_for(text)
        regions_for(address=text[:5000])
        topics_for(text)
        contract_type_for(text)
        ir35_for(text)
        parse_closing_date(text)
    assert time.process_time() - start < 10  # a backtracking pattern takes minutes
