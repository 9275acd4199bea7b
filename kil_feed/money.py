"""Money as people read it, the one formatter for every page, email, chart and table:
`£575`, `£587.50`, `£45,000`, `£500–£650 per day`; other currencies by their symbol or code."""

from __future__ import annotations

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
PERIODS = {"hour": "per hour", "day": "per day", "year": "per year"}


def amount(value: float | None, currency: str | None = "GBP") -> str:
    """`£45,000`, `£587.50`, `CHF 500`; '' for None."""
    if value is None:
        return ""
    code = (currency or "GBP").upper()
    prefix = SYMBOLS.get(code, f"{code} ")
    return f"{prefix}{value:,.0f}" if value == int(value) else f"{prefix}{value:,.2f}"


def pay_range(
    low: float | None, high: float | None, period: str | None, currency: str | None = "GBP"
) -> str | None:
    """`£500–£650 per day`, `£45,000 per year`, `£600`; None when neither end is known."""
    if low is None and high is None:
        return None
    if low is not None and high is not None and low != high:
        shown = f"{amount(low, currency)}–{amount(high, currency)}"
    else:
        shown = amount(low if low is not None else high, currency)
    return f"{shown} {PERIODS.get(period or '', '')}".strip()
