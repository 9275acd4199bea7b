"""The one money formatter: pages, emails, charts, the CLI and notices all read alike."""

from __future__ import annotations

from kil_feed.money import amount, pay_range


def test_amounts() -> None:
    assert amount(575) == "£575"
    assert amount(587.5) == "£587.50"
    assert amount(45000.0) == "£45,000"
    assert amount(1234567.891) == "£1,234,567.89"
    assert amount(500, "eur") == "€500"
    assert amount(500, "CHF") == "CHF 500"
    assert amount(None) == ""


def test_pay_ranges() -> None:
    assert pay_range(550, 650, "day", "GBP") == "£550–£650 per day"
    assert pay_range(None, 60000, "year", "GBP") == "£60,000 per year"
    assert pay_range(600, 600, "day", None) == "£600 per day"
    assert pay_range(17.5, None, "hour", "GBP") == "£17.50 per hour"
    assert pay_range(500, 650, "day", "USD") == "$500–$650 per day"
    assert pay_range(5_000_000, None, None, "GBP") == "£5,000,000"
    assert pay_range(None, None, None, None) is None
