"""Pay from schema.org `baseSalary` or from advert text, as `Pay(min, max, period, currency)`.

Periods kept: "hour", "day", "year" (None when the text gives none and the amount does not
make it obvious). Weekly and monthly figures are converted to a year (x52, x12): in this
niche they are salaried or care roles, whereas interim work is quoted by the day or hour.
Amounts that are budgets, contract values or bonuses ("£2m contract", "£3,000 Welcome
Bonus", "awarded a bid of over £400,000") are rejected rather than guessed at.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.extract.text import repair_mojibake

logger = logging.getLogger(__name__)

PERIODS = ("hour", "day", "year")


@dataclass(frozen=True)
class Pay:
    """A pay range; `min`/`max` may be equal, one may be None ("up to £700 a day")."""

    min: float | None
    max: float | None
    period: str | None
    currency: str = "GBP"


_CURRENCY = {"£": "GBP", "gbp": "GBP", "€": "EUR", "eur": "EUR", "$": "USD", "usd": "USD"}
# currencies written as words after the figure, as the signs above
_CURRENCY_WORDS = {"pound": "gbp", "pounds": "gbp", "sterling": "gbp", "euro": "eur"}
# Everything below runs on the lower-cased text: case-insensitive regexes are much slower.
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_MULT = r"(?:\s?(?:k|m|bn|million|thousand)(?![a-z]))"
_PERIOD_WORDS = {
    "hour": r"per\s+hour|an\s+hour|p?/\s*(?:hour|hr|h)\b|p\.?/?h\b\.?|ph\b|hourly|per\s+hr\b",
    "day": r"per\s+day|a\s+day|p?/\s*(?:day|d)\b|p\.?/?d\b\.?|pd\b|daily|per\s+diem",
    "week": r"per\s+week|a\s+week|p?/\s*(?:week|wk|w)\b|p\.?/?w\b\.?|pw\b|weekly",
    "month": r"per\s+(?:calendar\s+)?month|a\s+month|p?/\s*(?:month|mth)\b|p\.?c\.?m\b\.?|monthly",
    "year": r"per\s+(?:annum|year)|a\s+year|p?/\s*(?:year|yr|annum)\b|p\.?a\b\.?|annual(?:ly)?"
    r"|yearly|per\s+yr\b",
}
_PERIOD = "|".join(f"(?P<{name}>{words})" for name, words in _PERIOD_WORDS.items())
_FILLER = (
    r"(?:\s*\([^()\d£]{0,30}\)|\s*(?:gross|basic|pro[\s-]rata|fte|wte|doe|inc\.?|"
    r"depending\s+on\s+experience|\+\s*benefits|max(?:imum)?|min(?:imum)?)\b)*"
)
_CUR = r"£|gbp|€|eur|\$|usd"
# a currency written after the figure: "500 GBP per day", "500 pounds a day"
_CUR_AFTER = r"\s?(?P<cur3>gbp|pounds?(?:\s+sterling)?|sterling|eur|euros?|usd)\b"
# The lookahead lets the engine skip straight to a currency sign or a digit. A "+" against
# the figure makes it a floor ("£500+ per day": 500 or more), unless it adds something
# ("£500+VAT", "£45,000+ benefits").
_AMOUNTS = re.compile(
    rf"(?=[£€$\dgeu])(?:(?P<cur1>{_CUR})\s?)?(?<![\d.,])(?P<a1>{_NUM})(?P<k1>{_MULT})?"
    r"(?P<plus>\+(?!\s*(?:(?:vat|benefits?|bonus|car|pension|expenses|package)\b|[\d£€$])))?"
    rf"(?:\s*(?:-|–|—|‑|−|to)\s*(?P<cur2>{_CUR})?\s?(?P<a2>{_NUM})(?P<k2>{_MULT})?)?"
    rf"(?:{_CUR_AFTER})?(?P<tail>{_FILLER}\s*(?:{_PERIOD}))?"
)
# "£500/day - £550/day", "£500pd-£550pd": a range whose ends both carry the period (the
# dashes include U+2011 and the minus sign, which word processors put in)
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|‑|−|to)\s*")
# "between £400 and £500", "from £400 up to £500": the same range as "£400 - £500"
_RANGE_WORDS = re.compile(
    rf"\b(?:between|from)\s+(?P<low>(?:{_CUR})?\s?(?:{_NUM}){_MULT}?)\s+(?:and|up\s+to)\s+"
    rf"(?=(?:{_CUR})?\s?\d)"  # another amount: "from £30,000 and a car" stays "from"
)
_QUALIFIER = re.compile(
    r"\b(up\s+to|upto|from|circa|c\.|approx\.?|around|max(?:imum)?|min(?:imum)?)\s*$"
)
# the same limit written after the rate ("£650/day max", "£650 pd maximum", "£650 max per
# day", "£500 per day (min)"); not a limit on something else ("£650 per day max 3 days a
# week", "maximum of 2 days on site")
_LIMIT_AFTER = re.compile(
    r"\s*[(\[]?\s*(?P<limit>max|min)(?:imum)?\b\.?\s*[)\]]?(?!\s*(?:of\b|\d|[a-z]+\s+\d))"
)
_LIMIT_IN_TAIL = re.compile(r"\b(?P<limit>max|min)(?:imum)?\b")
# a period named just before the figure ("Day rate: 550"); the words between are few and
# cross no sentence, so "Day rate: negotiable. Established 1998" gives no day rate of 1998
_PREFIX_HINT = re.compile(
    r"(?:(?P<day>day\s+rate|daily\s+rate)|(?P<hour>hourly\s+rate|hourly\s+pay)|"
    r"(?P<year>per\s+annum))[^£\d;!?\n]{0,15}$"
)
# a figure that is a budget, bonus or allowance ("£5,000 relocation allowance"); not when a
# joining word puts the thing on top of it ("£45,000 plus car allowance"): that is the salary
_NOT_PAY_AFTER = re.compile(
    r"\s*(?!(?:plus|with|and)\b)(?:\w+\s+){0,2}?(?:contract|budget|funding|fund|investment|bonus|grant|programme|project|"
    r"deal|turnover|relocation|allowance|golden\s+hello|sign[\s-]on|contribution|prize|fine|"
    r"savings?|spend|worth)\b"
)
# a charge on top of the rate, named right before its figure ("agency fee of £50 per day",
# "VAT: £100", "overtime at £25 per hour"), unless the rate includes or excludes it
# ("inclusive of agency fees: £600 per day")
_CHARGE_BEFORE = re.compile(
    r"(?P<included>(?:inclusive\s+of|exclusive\s+of|including|excluding|incl?\.?|excl?\.?|ex|"
    r"plus|\+|no)\s*)?"
    r"\b(?:(?:agency|umbrella|placement|finder'?s|referral|admin(?:istration)?)\s+"
    r"(?:fees?|margin|charges?|commission)|margin|commission|mileage|expenses|subsistence|"
    r"overtime|vat)\b\s*(?:of|at|is|:|=|-|–)?\s*(?:up\s+to\s+|approx\.?\s+|circa\s+|c\.\s?)?$"
)
# a bare figure with a period counts after a rate word ("Rate: 450 - 500 per day")
_RATE_BEFORE = re.compile(r"\b(?:rate|salary|pay|remuneration)\b[^£\d\n]{0,12}$")
_NOT_PAY_BEFORE = re.compile(
    r"(?:budget|worth|valued\s+at|value\s+of|funding|investment|bid|bonus|grant|turnover|raised?|"
    r"savings?|fine|spend|cost|costs|award(?:ed)?|relocation|package\s+of)\b[^£\d;.!?\n]{0,25}$"
)
# Plausible bounds per period: anything outside is a typo, a budget or not pay at all.
_BOUNDS = {
    "hour": (4.0, 500.0),
    "day": (50.0, 5000.0),
    "week": (100.0, 20000.0),
    "month": (400.0, 60000.0),
    "year": (5000.0, 1_000_000.0),
}
_UNIT_TEXT = {
    "hour": "hour",
    "hourly": "hour",
    "day": "day",
    "daily": "day",
    "week": "week",
    "weekly": "week",
    "month": "month",
    "monthly": "month",
    "year": "year",
    "annual": "year",
    "annum": "year",
    "per annum": "year",
    "yearly": "year",
}


def parse_pay(
    value: Any, *, default_period: str | None = None, currency: str | None = None
) -> Pay | None:
    """Pay from a schema.org MonetaryAmount/QuantitativeValue, a number or a text.

    `currency` is the posting's `salaryCurrency` when `baseSalary` is a bare number or text;
    a currency inside the value itself wins.
    """
    cur = (currency or "GBP").upper()
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Pay):
        return value
    if isinstance(value, int | float):
        return _make(float(value), float(value), default_period, cur, inferred=True)
    if isinstance(value, str):
        if (number := _float(value)) is not None:
            return _make(number, number, default_period, cur, inferred=default_period is None)
        return parse_pay_text(value, default_period=default_period, currency=cur)
    if isinstance(value, list | tuple):
        parsed = (parse_pay(v, default_period=default_period, currency=cur) for v in value)
        return next((p for p in parsed if p is not None), None)
    if isinstance(value, Mapping):
        return _from_mapping(value, cur, default_period)
    return None


def parse_pay_text(
    text: str, *, default_period: str | None = None, currency: str = "GBP"
) -> Pay | None:
    """The pay quoted in a text; explicit periods beat amounts whose period is guessed."""
    if not text or not isinstance(text, str):
        return None
    low = _prepare(text)
    guessed: Pay | None = None
    for match in _AMOUNTS.finditer(low):
        pay, explicit = _from_match(low, match, default_period, currency)
        if pay is None:
            continue
        if explicit:
            return _range_to(low, match, pay, default_period, currency)
        guessed = guessed or pay
    return guessed


def _prepare(text: str) -> str:
    """Lower-cased text with entities decoded, mojibake repaired and worded ranges as
    dashes: "&pound;500", "Â£500" and "between £400 and £500" read like "£500", "£400 - £500"."""
    low = repair_mojibake(text).lower()
    if "&" in low:
        low = html.unescape(low)
    if "between" in low or "from" in low:
        low = _RANGE_WORDS.sub(r"\g<low> - ", low)
    return low


def _range_to(
    text: str, m: re.Match[str], pay: Pay, default_period: str | None, currency: str
) -> Pay:
    """`pay` widened to the next amount when both ends carry the period ("£500/day -
    £550/day"); the period written once ("£500 - £550 per day") is one match already."""
    if m.group("a2") or not m.group("tail"):
        return pay
    join = _RANGE_JOIN.match(text, m.end())
    after = _AMOUNTS.match(text, join.end()) if join else None
    if after is None or after.group("a2"):
        return pay
    upper, explicit = _from_match(text, after, default_period, currency)
    if upper is None or not explicit or upper.period != pay.period or upper.min is None:
        return pay
    if pay.min is None or upper.min <= pay.min:
        return pay
    return Pay(pay.min, upper.max, pay.period, pay.currency)


# An annual figure this many times an hourly rate is that rate annualised (1,681 h on NHS
# Jobs: 37.5 h x 44.8 weeks); outside it, the hourly figure is something else (overtime).
_ANNUALISED_HOURS = (1000.0, 2600.0)


def text_band(text: str, *, default_period: str | None = None, currency: str = "GBP") -> Pay | None:
    """The band a text states: every amount with an explicit period, in the period of the
    first one ("£17.69 p/h £20 p/h on Nights & Weekends" -> 17.69-20 per hour); failing
    that, with `default_period`, the first amount with a currency sign ("£27,373.50 to
    £34,510 DOE (Preceptors £22,465)" -> 27,373.50-34,510: later figures are other rates)."""
    if not text or not isinstance(text, str):
        return None
    low_text = _prepare(text)
    found: list[Pay] = []
    first_priced: Pay | None = None
    for match in _AMOUNTS.finditer(low_text):
        pay, explicit = _from_match(low_text, match, default_period, currency)
        if pay is None:
            continue
        if explicit and (not found or pay.period == found[0].period):
            found.append(pay)
        elif first_priced is None and (match.group("cur1") or match.group("cur2")):
            first_priced = pay
    if not found:
        return first_priced if default_period else None
    lows = [p.min for p in found if p.min is not None]
    highs = [p.max for p in found if p.max is not None]
    first = found[0]
    return Pay(min(lows, default=None), max(highs, default=None), first.period, first.currency)


def prefer_stated(structured: Pay | None, text: str) -> Pay | None:
    """Structured pay (JSON-LD min/max), unless the advert's own words say otherwise.

    - the text states an hourly rate and the structured figure is that rate annualised
      (bank and sessional NHS posts): hourly;
    - the text states a wider band in the same period that overlaps the structured one
      (JSON-LD `maxValue` cut short): the text's band.
    When they agree, the structured value is kept.
    """
    if structured is None:
        return None
    band = text_band(text, default_period=structured.period)
    if band is None:
        return structured
    s_ref = structured.max or structured.min
    b_ref = band.max or band.min
    if structured.period == "year" and band.period == "hour" and s_ref and b_ref:
        low, high = _ANNUALISED_HOURS
        return band if low <= s_ref / b_ref <= high else structured
    if band.period != structured.period:
        return structured
    s_lo, s_hi = structured.min or structured.max, structured.max or structured.min
    b_lo, b_hi = band.min or band.max, band.max or band.min
    if None in (s_lo, s_hi, b_lo, b_hi):
        return structured
    overlaps = b_lo <= s_hi + 1 and b_hi >= s_lo - 1  # type: ignore[operator]
    wider = b_lo < s_lo - 0.5 or b_hi > s_hi + 0.5  # type: ignore[operator]
    return band if overlaps and wider else structured


def _from_match(
    text: str, m: re.Match[str], default_period: str | None, currency: str
) -> tuple[Pay | None, bool]:
    cur = m.group("cur1") or m.group("cur2") or m.group("cur3")
    period = next((p for p in _PERIOD_WORDS if m.group(p)), None)
    explicit = period is not None
    if period is None:
        hint = _PREFIX_HINT.search(text, max(0, m.start() - 40), m.start())
        period = next((p for p in ("day", "hour", "year") if hint and hint.group(p)), None)
        explicit = period is not None
    for k in ("k1", "k2"):
        if m.group(k) and m.group(k).strip() not in ("k", "thousand"):
            return None, False  # millions and billions are budgets, not pay
    a1 = _number(m.group("a1"), m.group("k1"))
    a2 = _number(m.group("a2"), m.group("k2")) if m.group("a2") else None
    if m.group("cur3") and not (explicit or m.group("cur1") or m.group("cur2")):
        return None, False  # "lost 10 pounds": a currency word counts only with a period
    thousands = m.group("k2") or "," in (m.group("a2") or "")
    if a2 is not None and thousands and not m.group("k1") and a1 < a2 / 100 <= a1 * 15:
        a1 *= 1000  # "£42-48k", "£70-80,000"
    # a bare number is a band, a count or a date, not pay; unless a rate word and a period
    # frame it ("Rate: 450 - 500 per day", "Day rate: 550")
    if (
        cur is None
        and not (explicit and (a1 >= 1000 or m.group("k1") or m.group("k2")))
        and not (explicit and _RATE_BEFORE.search(text, max(0, m.start() - 30), m.start()))
    ):
        return None, False
    if _NOT_PAY_AFTER.match(text, m.end()) and not explicit:
        return None, False
    before = max(0, m.start() - 40)
    if _NOT_PAY_BEFORE.search(text, before, m.start()):
        return None, False
    charge = _CHARGE_BEFORE.search(text, before, m.start())
    if charge and not charge.group("included"):
        return None, False
    qualifier = _QUALIFIER.search(text, max(0, m.start() - 16), m.start())
    qual = " ".join(qualifier.group(1).split()) if qualifier else ""
    if not qual:
        limit = _LIMIT_IN_TAIL.search(m.group("tail") or "") or _LIMIT_AFTER.match(text, m.end())
        qual = limit.group("limit") if limit else ""
    low, high = (a1, a2) if a2 is not None else (a1, a1)
    if a2 is None and qual in ("up to", "upto", "max", "maximum"):
        low = None
    elif a2 is None and (qual in ("from", "min", "minimum") or m.group("plus")):
        high = None
    pay = _make(
        low,
        high,
        period or default_period,
        _CURRENCY.get(
            _CURRENCY_WORDS.get(cur.split()[0].rstrip("s"), cur) if cur else "", currency
        ),
        inferred=period is None and default_period is None,
    )
    return pay, explicit


def _number(digits: str, mult: str | None) -> float:
    value = float(digits.replace(",", ""))
    return value * 1000 if mult else value


def _from_mapping(data: Mapping[str, Any], currency: str, period: str | None) -> Pay | None:
    currency = str(data.get("currency") or data.get("salaryCurrency") or currency).upper()
    period = _unit(data.get("unitText")) or period
    low, high = _float(data.get("minValue")), _float(data.get("maxValue"))
    inner = data.get("value")
    if low is not None or high is not None:
        structured = _make(low, high, period, currency, inferred=period is None)
        return prefer_stated(structured, inner) if isinstance(inner, str) else structured
    if isinstance(inner, Mapping):
        return _from_mapping(inner, currency, period)
    if (number := _float(inner)) is not None:
        return _make(number, number, period, currency, inferred=period is None)
    if isinstance(inner, str):
        return parse_pay_text(inner, default_period=period, currency=currency)
    return None


def _make(
    low: float | None, high: float | None, period: str | None, currency: str, *, inferred: bool
) -> Pay | None:
    """Validate, convert week/month to year, or guess a missing period from the amount."""
    if low is not None and high is not None and low > high:
        low, high = high, low
    ref = low if low is not None else high
    if ref is None or ref <= 0:
        return None
    if period is None and inferred:
        period = "hour" if ref < 150 else "day" if ref <= 2000 else "year" if ref >= 10000 else None
        if period is None or (period == "year" and (high or ref) > 300_000):
            return None
    if period is not None:
        lo_bound, hi_bound = _BOUNDS[period]
        if not all(lo_bound <= v <= hi_bound for v in (low, high) if v is not None):
            return None
        if period in ("week", "month"):
            factor = 52 if period == "week" else 12
            low = low * factor if low is not None else None
            high = high * factor if high is not None else None
            period = "year"
    return Pay(_round(low), _round(high), period, currency or "GBP")


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").lstrip("£$€").strip()
        # "45k" in minValue: ATS exports write thousands as they are typed
        factor = 1000.0 if cleaned[-1:] in ("k", "K") else 1.0
        try:
            return float(cleaned.rstrip("kK")) * factor
        except ValueError:
            return None
    return None


def _unit(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _UNIT_TEXT.get(value.strip().lower())
