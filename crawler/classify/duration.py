"""How long a contract runs: "6 months", "3–6 months", "until March 2027", as text and months.

Only a length tied to the engagement counts ("6 month contract", "initial 6 month period",
"Interim position - 3 months", "(12 weeks)"), never any number of months in the text
("3 months' notice", "within 6 months of starting"). A range ("3-6 month contract", "6 to
12 months") is kept whole: shown as "3–6 months", stored as its shortest and longest.
"""

from __future__ import annotations

import re

_NUMBER = (
    r"\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|"
    r"twenty[\s-]four"
)
_UNIT = r"months?|mths?|weeks?|years?"
_ENGAGEMENT = (
    r"contract|assignment|ftc|secondment|interim|role|post|placement|engagement|basis|"
    r"project|period|position|fixed[\s-]term"
)


# the low end of a range before a length: "3-6 months", "6 to 12 months", "three–six months"
def _low(name: str) -> str:
    return rf"(?:(?P<{name}>{_NUMBER})\s*(?:-|–|—|‑|to)\s*)?"


_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_DURATION = re.compile(
    rf"\b{_low('lo')}(?P<n>{_NUMBER})(?P<plus>\+)?[\s-]*(?P<unit>{_UNIT})['’]?"
    rf"(?=\s+(?:initial\s+|rolling\s+|fixed[\s-]term\s+)?(?:{_ENGAGEMENT})\b|\s*\))"
    rf"|\b(?:{_ENGAGEMENT})\s*(?:[-–:]|of|for)\s*(?:an?\s+)?(?:initial\s+)?"
    rf"{_low('lo2')}(?P<n2>{_NUMBER})(?P<plus2>\+)?[\s-]*(?P<unit2>{_UNIT})\b"
    # a labelled length ("Duration: 6 months", "Contract length - 12 weeks") and "initial 6
    # months", "initially 3 months": said of the engagement whatever follows
    rf"|\b(?:duration|(?:contract|assignment)\s+(?:length|duration)|length\s+of\s+(?:contract|"
    rf"assignment))\s*[:\-–]?\s*(?:an?\s+)?(?:initial(?:ly)?\s+)?{_low('lo3')}"
    rf"(?P<n3>{_NUMBER})(?P<plus3>\+)?[\s-]*"
    rf"(?P<unit3>{_UNIT})\b"
    rf"|(?<!the )(?<!your )(?<!first )\binitial(?:ly)?\s+(?:period\s+of\s+|term\s+of\s+)?"
    rf"{_low('lo4')}(?P<n4>{_NUMBER})(?P<plus4>\+)?[\s-]*"
    rf"(?P<unit4>{_UNIT})\b"
    rf"|\buntil\s+(?:the\s+)?(?:end\s+of\s+)?(?P<until>(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?"
    rf"(?:{_MONTHS})\s+20\d\d)\b",
    re.IGNORECASE,
)
# a length opening a labelled value ("Contract: 6 months", "6-12 months", "initial 3 months")
_LEADING_LENGTH = re.compile(
    rf"(?:(?:an?|initial(?:ly)?|rolling|minimum(?:\s+of)?)\s+)*{_low('lo')}(?P<n>{_NUMBER})\+?"
    rf"[\s-]*(?:{_UNIT})\b['’]?",
    re.IGNORECASE,
)
_LENGTH = re.compile(rf"\b{_low('lo')}(?P<n>{_NUMBER})\+?[\s-]*(?P<unit>{_UNIT})\b", re.IGNORECASE)
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty four": 24,
    "twenty-four": 24,
}  # fmt: skip


def duration_for(text: str) -> str | None:
    """The contract length an advert states ("6 months", "3–6 months", "until March 2027")."""
    match = _DURATION.search(text or "")
    if not match:
        return None
    if match.group("until"):
        return "until " + match.group("until")
    key = next(k for k in ("", "2", "3", "4") if match.group("n" + k))
    number, unit, low = match.group("n" + key), match.group("unit" + key), match.group("lo" + key)
    if low is None:
        plus = "+" if match.group("plus" + key) else ""  # "6+ months": at least six
        return f"{number}{plus} {_unit(unit, number)}"
    return f"{low}–{number} {_unit(unit, number)}"  # "3–6 months", as a job board shows a range


def _unit(unit: str, number: str) -> str:
    """A unit as a job board writes it after `number`: "6 months" for "6 month period" or
    "6 mths", "12 weeks" for "12 Week", singular only for one."""
    word = {"m": "month", "w": "week", "y": "year"}[unit[0].lower()]
    return word if number.lower() in ("1", "one") else word + "s"


def leading_length(text: str) -> int | None:
    """Where a length that opens `text` ends ("6 months fixed term" -> 8), else None."""
    match = _LEADING_LENGTH.match(text or "")
    return match.end() if match else None


def duration_months(text: str | None) -> float | None:
    """Months in a duration phrase ("6 months" -> 6, "12 weeks" -> 2.8, "two years" -> 24);
    of a range ("3-6 months"), the shortest: `duration_range` gives both ends."""
    found = duration_range(text)
    return found[0] if found else None


def duration_range(text: str | None) -> tuple[float, float] | None:
    """(shortest, longest) months in a duration phrase: (3, 6) for "3-6 months", (6, 6) for
    "6 months"."""
    match = _LENGTH.search(text or "")
    if not match:
        return None
    unit = match.group("unit").lower()
    factor = 1.0 if unit.startswith("m") else 12.0 if unit.startswith("y") else 12 / 52
    high = _count(match.group("n")) * factor
    low = _count(match.group("lo")) * factor if match.group("lo") else high
    return round(min(low, high), 1), round(max(low, high), 1)


def duration_extra(duration: str | None) -> dict[str, float]:
    """What a job's `extra` stores beside its `duration` text: `duration_months` (the
    shortest length) and, for a range, `duration_months_max` (the longest)."""
    found = duration_range(duration)
    if found is None:
        return {}
    low, high = found
    return {"duration_months": low} | ({"duration_months_max": high} if high != low else {})


def _count(raw: str) -> int:
    words = " ".join(raw.lower().split())
    return int(words) if words.isdigit() else _WORDS[words.replace("-", " ")]
