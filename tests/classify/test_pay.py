"""parse_pay on schema.org values and on the phrasing adverts use."""

from __future__ import annotations

import pytest

from crawler.classify import Pay, parse_pay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£550 per day", Pay(550, 550, "day")),
        ("£600-£650/day", Pay(600, 650, "day")),
        ("£600 - 650 per day outside IR35", Pay(600, 650, "day")),
        ("£55,000 - £62,000 per annum", Pay(55000, 62000, "year")),
        ("£45 per hour", Pay(45, 45, "hour")),
        ("£500 p/d", Pay(500, 500, "day")),
        ("£450pd", Pay(450, 450, "day")),
        ("up to £700 a day", Pay(None, 700, "day")),
        ("from £500 per day", Pay(500, None, "day")),
        ("£42k-£48k", Pay(42000, 48000, "year")),
        ("£42-48k", Pay(42000, 48000, "year")),
        ("£31,364 to £33,945 a year", Pay(31364, 33945, "year")),
        ("Band 8a: £53,755 to £60,504", Pay(53755, 60504, "year")),
        ("Day rate: £650 (negotiable)", Pay(650, 650, "day")),
        ("55,000 - 62,000 per annum", Pay(55000, 62000, "year")),
        ("£55,000 (pro rata) per annum", Pay(55000, 55000, "year")),
        ("€500 per day", Pay(500, 500, "day", "EUR")),
        # weekly and monthly figures become yearly
        ("£400 per week", Pay(20800, 20800, "year")),
        ("£2,500 pcm", Pay(30000, 30000, "year")),
        # "p/" before the period word: a weekly figure is not a day rate of £2,000
        ("£2,000 p/week", Pay(104000, 104000, "year")),
        ("£45 p/hour", Pay(45, 45, "hour")),
        ("£450 \u2212 £550 per day", Pay(450, 550, "day")),  # a minus sign as the dash
        # ranges whose ends both carry the period, or are worded, are the whole range
        ("£500/day - £550/day", Pay(500, 550, "day")),
        ("£500pd-£550pd outside IR35", Pay(500, 550, "day")),
        ("£500 per day to £550 per day", Pay(500, 550, "day")),
        ("£18/hr - £22/hr", Pay(18, 22, "hour")),
        ("between £400 and £500 per day", Pay(400, 500, "day")),
        ("from £400 up to £500 per day", Pay(400, 500, "day")),
        ("From £30,000 and a car allowance", Pay(30000, None, "year")),
        ("£70-80,000", Pay(70000, 80000, "year")),
        # a figure without a sign, framed by a rate word and a period
        ("Rate: 450 - 500 per day", Pay(450, 500, "day")),
        ("Day rate: 550", Pay(550, 550, "day")),
        # the currency written after the figure
        ("500 GBP per day", Pay(500, 500, "day")),
        ("500 pounds a day", Pay(500, 500, "day")),
        ("450 euros per day", Pay(450, 450, "day", "EUR")),
        # entities and mis-decoded UTF-8 as job boards serve them
        ("&pound;500 per day", Pay(500, 500, "day")),
        ("&#163;450 &ndash; &#163;550 per day", Pay(450, 550, "day")),
        ("Â£450 - Â£550 per day", Pay(450, 550, "day")),
        ("£450 â€“ £550 per day", Pay(450, 550, "day")),
        ("£450\u00a0-\u00a0£550\u00a0per\u00a0day", Pay(450, 550, "day")),
        # a charge on top of the rate is not the rate
        ("Agency fee of £50 per day, rate £500 per day", Pay(500, 500, "day")),
        ("VAT: £100 per day. Rate: £500 per day", Pay(500, 500, "day")),
        ("Overtime at £25 per hour; basic rate £15 per hour", Pay(15, 15, "hour")),
        ("Agency margin: £60 per day; £520 per day to the contractor", Pay(520, 520, "day")),
        # ... unless the rate includes or excludes it
        ("Inclusive of agency fees: £600 per day", Pay(600, 600, "day")),
        ("Rate inc. VAT: £600 per day", Pay(600, 600, "day")),
        ("Consultancy fee £700 per day", Pay(700, 700, "day")),
        ("£550 + VAT per day", Pay(550, 550, "day")),
        # a ceiling or floor named after the rate reads as "up to" / "from" before it
        ("£650/day max", Pay(None, 650, "day")),
        ("up to £650 per day", Pay(None, 650, "day")),
        ("max £650 p/d", Pay(None, 650, "day")),
        ("£650 pd maximum", Pay(None, 650, "day")),
        ("£650 per day (max)", Pay(None, 650, "day")),
        ("Rate: £650 per day max.", Pay(None, 650, "day")),
        ("£650 max per day", Pay(None, 650, "day")),
        ("£650 max, outside IR35", Pay(None, 650, "day")),
        ("£55,000 per annum maximum", Pay(None, 55000, "year")),
        ("£500/day min", Pay(500, None, "day")),
        ("£500 per day minimum", Pay(500, None, "day")),
        # a range stays a range; a limit on something else is not a ceiling on the rate
        ("£600-£650/day max", Pay(600, 650, "day")),
        ("£650 per day max 3 days a week", Pay(650, 650, "day")),
        ("£650 per day, max 3 days a week", Pay(650, 650, "day")),
        ("£650 per day maximum of 2 days on site", Pay(650, 650, "day")),
    ],
)
def test_pay_phrases(text: str, expected: Pay) -> None:
    assert parse_pay(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "£2m contract",
        "a £35M oncology unit",
        "£3,000 Welcome Bonus",
        "we were awarded a SSIF bid of over £400,000",
        "budget of £750,000",
        "Leadership Scale L12-16",
        "Band 6",
        "40 hours per week",
        "8 Sessions per week",
        "negotiable",
        "£1 per hour",
        "£9,000,000 per annum",
        "Agency fee of £50 per day",
        "Mileage at £0.45 per mile",
        "lost 10 pounds in weight",
        # a year or a phone number after a rate word is not the rate
        "Day rate: negotiable. Established 1998.",
        "Day rate: to be agreed, call 0161 496 0000",
        "Call 0121 496 0000 before 2025",
        "",
    ],
)
def test_not_pay(text: str) -> None:
    assert parse_pay(text) is None


def test_explicit_period_beats_an_earlier_guess() -> None:
    assert parse_pay("Up to £3,000 relocation; £500 per day") == Pay(500, 500, "day")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "@type": "MonetaryAmount",
                "currency": "GBP",
                "value": {"@type": "QuantitativeValue", "value": 600, "unitText": "DAY"},
            },
            Pay(600, 600, "day"),
        ),
        (
            {"currency": "EUR", "value": {"minValue": "40", "maxValue": "55", "unitText": "HOUR"}},
            Pay(40, 55, "hour", "EUR"),
        ),
        (
            {"value": {"minValue": 2000, "maxValue": 2500, "unitText": "MONTH"}},
            Pay(24000, 30000, "year"),
        ),
        ({"value": {"value": 700, "unitText": "WEEK"}}, Pay(36400, 36400, "year")),
        ({"value": {"value": "£500 - £550 per day"}}, Pay(500, 550, "day")),
        (
            {"value": {"minValue": 60000, "maxValue": 50000, "unitText": "YEAR"}},
            Pay(50000, 60000, "year"),
        ),
        ({"value": {"value": "negotiable", "unitText": "YEAR"}}, None),
        (
            {"value": {"minValue": "45k", "maxValue": "£55,000", "unitText": "YEAR"}},
            Pay(45000, 55000, "year"),
        ),
        ({"value": {"value": 0, "unitText": "YEAR"}}, None),
        (48000, Pay(48000, 48000, "year")),
        (525, Pay(525, 525, "day")),
        ("75000", Pay(75000, 75000, "year")),
        ([None, "£45 per hour"], Pay(45, 45, "hour")),
        (None, None),
        (True, None),
    ],
)
def test_structured_values(value: object, expected: Pay | None) -> None:
    assert parse_pay(value) == expected


def test_salary_currency_for_bare_values(schemaorg_example: dict) -> None:
    pay = parse_pay(schemaorg_example["baseSalary"], currency=schemaorg_example["salaryCurrency"])
    assert pay == Pay(100000, 100000, "year", "USD")


def test_pay_is_frozen() -> None:
    pay = Pay(1, 2, "day")
    with pytest.raises(AttributeError):
        pay.min = 3  # type: ignore[misc]
    assert pay.currency == "GBP"
