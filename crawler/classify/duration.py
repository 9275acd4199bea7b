"""How long a contract runs: "6 months", "12 weeks", "until March 2027", as text and months.

Only a length tied to the engagement counts ("6 month contract", "initial 6 month period",
"Interim position - 3 months", "(12 weeks)"), never any number of months in the text
("3 months' notice", "within 6 months of starting").
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
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_DURATION = re.compile(
    rf"\b(?P<n>{_NUMBER})[\s-]*(?P<unit>{_UNIT})['’]?"
    rf"(?=\s+(?:initial\s+|rolling\s+|fixed[\s-]term\s+)?(?:{_ENGAGEMENT})\b|\s*\))"
    rf"|\b(?:{_ENGAGEMENT})\s*(?:[-–:]|of|for)\s*(?:an?\s+)?(?:initial\s+)?"
    rf"(?P<n2>{_NUMBER})[\s-]*(?P<unit2>{_UNIT})\b"
    # a labelled length ("Duration: 6 months", "Contract length - 12 weeks") and "initial 6
    # months", "initially 3 months": said of the engagement whatever follows
    rf"|\b(?:duration|(?:contract|assignment)\s+(?:length|duration)|length\s+of\s+(?:contract|"
    rf"assignment))\s*[:\-–]?\s*(?:an?\s+)?(?:initial(?:ly)?\s+)?(?P<n3>{_NUMBER})[\s-]*"
    rf"(?P<unit3>{_UNIT})\b"
    rf"|(?<!the )(?<!your )(?<!first )\binitial(?:ly)?\s+(?:period\s+of\s+|term\s+of\s+)?"
    rf"(?P<n4>{_NUMBER})[\s-]*"
    rf"(?P<unit4>{_UNIT})\b"
    rf"|\buntil\s+(?:the\s+)?(?:end\s+of\s+)?(?P<until>(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?"
    rf"(?:{_MONTHS})\s+20\d\d)\b",
    re.IGNORECASE,
)
_LENGTH = re.compile(rf"\b({_NUMBER})[\s-]*({_UNIT})\b", re.IGNORECASE)
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty four": 24,
    "twenty-four": 24,
}  # fmt: skip


def duration_for(text: str) -> str | None:
    """The contract length an advert states ("6 months", "until March 2027"), else None."""
    match = _DURATION.search(text or "")
    if not match:
        return None
    if match.group("until"):
        return "until " + match.group("until")
    number = next(match.group(g) for g in ("n", "n2", "n3", "n4") if match.group(g))
    unit = next(match.group(g) for g in ("unit", "unit2", "unit3", "unit4") if match.group(g))
    return f"{number} {unit}"


def duration_months(text: str | None) -> float | None:
    """Months in a duration phrase ("6 months" -> 6, "12 weeks" -> 2.8, "two years" -> 24)."""
    match = _LENGTH.search(text or "")
    if not match:
        return None
    raw = " ".join(match.group(1).lower().split())
    number = int(raw) if raw.isdigit() else _WORDS[raw.replace("-", " ")]
    unit = match.group(2).lower()
    factor = 1.0 if unit.startswith("m") else 12.0 if unit.startswith("y") else 12 / 52
    return round(number * factor, 1)
