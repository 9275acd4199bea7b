"""Contract type (interim, contract, fixed-term, permanent) and IR35 status of a job.

A labelled field ("Contract type: Fixed Term", "Contractual Status: Permanent") wins; then
"interim"/"locum" anywhere (the niche's own word, usually in the title); then schema.org
`employmentType` when it names a tenure (TEMPORARY -> "fixed-term", CONTRACTOR/PER_DIEM ->
"contract"): structured data beats loose words, so a CONTRACTOR role that mentions "the
permanent head of procurement" stays a contract; then the earliest of the other phrasings;
last, a labelled duration in months or weeks ("Duration: 6 months") is a contract.
FULL_TIME and PART_TIME describe hours, not tenure, so they give None and the prose decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.classify.duration import leading_length

CONTRACT_TYPES = ("interim", "contract", "fixed-term", "permanent")

# All patterns run on the lower-cased text (faster than re.IGNORECASE).
_INTERIM = re.compile(r"\b(?:interim|locum)\b")
# "not interim", "unlike agency or locum staff", "rather than an interim": the word names
# what the role is not (a negation earlier in the same sentence)
_NEGATED = re.compile(
    r"(?:\b(?:not|no|unlike|never|rather\s+than|instead\s+of)\b|n't\b)[^.!?;\n]{0,60}$"
)
_KINDS: dict[str, str] = {
    "fixed-term": r"\bfixed[\s_-]*term\b|\bftc\b"
    r"|\b(?:maternity|paternity|parental|adoption)[\s_]+(?:leave[\s_]+)?cover\b"
    r"|\bsecondment\b|\btemporary\b|\btemp\b",
    "contract": r"\bcontractor\b|\bfreelance\b|\bday[\s-]rate\b"
    r"|\b(?:inside|outside)\s+(?:of\s+)?ir35\b"
    r"|\bcontract\s+(?:role|position|basis|opportunity|assignment|job|post|vacancy|work)\b"
    r"|\b\d+[\s-]*(?:months?|mths?|weeks?)['’]?\s+(?:initial\s+|rolling\s+)?contract\b"
    r"|\b(?:initial|rolling)\s+contract\b|\bon\s+contract\b",
    "permanent": r"\bpermanent(?!\s+secretary|\s+residen|\s+right)\b|\bperm\b",
}
_ANY_KIND = re.compile("|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in _KINDS.items()))
_LABEL = re.compile(
    r"\b(?:contract(?:ual)?\s+(?:type|status|basis)|employment\s+type|type\s+of\s+contract|"
    r"(?:job|position|assignment|engagement|role|work)\s+type|tenure|"
    r"(?:contract|assignment)\s+(?:length|duration)|length\s+of\s+(?:contract|assignment)|contract)"
    r"\s*(?:[:\-–]|\n)\s*(?P<value>[a-z0-9][\w\s-]{0,40})",
)
_LABEL_WORDS = ("contract", "employment", "job type", "tenure", "assignment")
# a length under a label that names no contract ("Duration: 6 months", "Project duration -
# 12 weeks"): a contract, as "6 month contract" is, when nothing else says what the role is;
# not the length of a probation, course or apprenticeship
_DURATION_LABEL = re.compile(
    r"(?<!probation )(?<!probationary )(?<!course )(?<!training )(?<!apprenticeship )"
    r"(?<!programme )\bduration\s*(?:[:\-–]|\n)\s*(?P<value>[a-z0-9][\w\s-]{0,40})",
)
# the kind a label itself names before a length: "Fixed-term contract: 12 months"
_KIND_BEFORE_LABEL = re.compile(
    r"\b(?:interim|locum|fixed[\s_-]*term|temporary|temp|ftc|secondment|freelance|permanent)"
    r"[\s_-]*$"
)
_VALUE = {
    "interim": "interim",
    "locum": "interim",
    "contract": "contract",
    "contractor": "contract",
    "freelance": "contract",
    "fixed term": "fixed-term",
    "fixed-term": "fixed-term",
    "fixed_term": "fixed-term",
    "temporary": "fixed-term",
    "temp": "fixed-term",
    "ftc": "fixed-term",
    "secondment": "fixed-term",
    "loan": "fixed-term",  # Civil Service Jobs: "Loan", "Loan/Secondment"
    "maternity cover": "fixed-term",
    "maternity leave cover": "fixed-term",
    "paternity leave cover": "fixed-term",
    "parental leave cover": "fixed-term",  # Teaching Vacancies' parental_leave_cover
    "adoption leave cover": "fixed-term",
    "permanent": "permanent",
    "perm": "permanent",
    # Welsh labelled values: parhaol permanent, cyfnod penodol fixed term ("dros dro" is
    # left out: temporary in a contract, interim in a title)
    "parhaol": "permanent",
    "cyfnod penodol": "fixed-term",
}
_EMPLOYMENT_TYPES = {
    "CONTRACTOR": "contract",
    "CONTRACT": "contract",
    "PER_DIEM": "contract",
    "TEMPORARY": "fixed-term",
    "FIXED_TERM": "fixed-term",
    "INTERIM": "interim",
    "PERMANENT": "permanent",
}
# "within" and "caught by" count after a verb stating a status ("falls within IR35", "is
# not caught by IR35"), not in "if you are caught by IR35" or "work within IR35 rules"
_NOT = r"(?:\bnot\s+|n't\s+|\bnever\s+)"
_IR35 = re.compile(
    rf"(?P<not>{_NOT}(?:fall\s+|sit\s+|be\s+)?)?\b(?P<a>inside|outside|outwith)"
    r"(?:\s+(?:of\s+)?(?:the\s+)?scope)?(?:\s+of)?(?:\s+the)?[\s-]+ir[\s-]?35\b"
    rf"|(?P<not_verb>{_NOT})?\b(?:is|been|be|falls?|sits?|deemed|determined\s+as|assessed\s+as)"
    rf"(?P<nt>n't)?\s+(?P<not_in>{_NOT})?(?P<caught>caught\s+by|within)(?:\s+the\s+scope\s+of)?\s+"
    r"(?:the\s+)?ir[\s-]?35\b"
    r"|\b(?P<out>out\s+of)\s+(?:the\s+)?scope\s+of\s+(?:the\s+)?ir[\s-]?35\b"
    r"|\bir[\s-]?35(?:\s+(?:status|determination|position))?\s*(?:[:\-–]|is|=)?\s*"
    r"(?:is\s+|deemed\s+|determined\s+)?(?P<b>inside|outside|out\s+of\s+scope)\b"
    # the off-payroll rules' own term for inside: "This engagement is deemed employment",
    # "not deemed employment" (`_SUPPOSED` drops "if it is deemed employment")
    rf"|(?P<not_de>{_NOT}(?:be\s+)?)?\b(?P<de>deemed\s+employment)\b"
    # a bare status right after a day or hourly rate: "£500 per day (Inside)", "£600 p/d
    # Outside"; not "£500 per day (outside London)"
    r"|(?:\bper\s+(?:day|hour)|\ba\s+day|\ban\s+hour|(?:(?<=\d)|\b)p\.?/?[dh]|\bdaily|\bhourly"
    r"|/\s*(?:day|hr|hour|d|h))\b\s*[,(–-]?\s*(?P<c>inside|outside)(?=\s*(?:[),.;/|\n]|$))"
)
# a status the advert rules out right after naming it: "Outside IR35 is not available for
# this role", "inside IR35 isn't an option" (the other status is the one on offer)
_RULED_OUT = re.compile(
    r"\s*(?:status\s+)?(?:is\s+not|isn't|is\s+never|not)\s+(?:available|possible|an\s+option|"
    r"offered|on\s+offer|permitted|allowed|accepted|considered)\b"
)
# a status only supposed: "if the role is deemed employment, ..."
_SUPPOSED = re.compile(r"\b(?:if|whether|where|when|unless)\b[^.!?;\n]{0,50}$")
_IR35_EITHER = re.compile(r"\b(?:inside|outside)\s*(?:or|/|and|&|and/or|\\)\s*(?:inside|outside)\b")
# a status still to be settled: "Outside IR35 (TBC)", "IR35 status TBC", "IR35: to be
# confirmed", "IR35 determination pending", "likely outside IR35": no determination yet
_IR35_PENDING = re.compile(
    r"\bir[\s-]?35(?:\s+(?:status|determination|position|assessment))?[\s:()\-–=/]*"
    r"(?:(?:inside|outside)\b[\s:()\-–=/]*)?(?:(?:is|currently|still|yet|being)\s+)*"
    r"(?:tbc|tbd|tba|to\s+be\s+(?:confirmed|determined|decided|agreed|assessed|advised)|pending|"
    r"provisional(?:ly)?|under\s+review|awaiting|not\s+yet\s+(?:determined|confirmed|known)|"
    r"unknown|undetermined|to\s+follow)\b"
    r"|\b(?:pending|awaiting|subject\s+to)\s+(?:an?\s+|the\s+)?ir[\s-]?35\s+"
    r"(?:determination|assessment|review|status)\b"
    r"|\b(?:likely|probably|provisionally|expected)\s+(?:to\s+(?:be|fall)\s+)?(?:inside|outside)"
    r"\s+(?:of\s+)?(?:the\s+)?ir[\s-]?35\b"
)
# Paid through an umbrella company or PAYE, with no limited-company option: inside IR35 in
# all but name, as UK contractors read it ("Umbrella / PAYE only", "via umbrella", "PAYE
# through an umbrella company", "£550 per day (umbrella)"); an explicit status still wins.
_INSIDE_ROUTE = re.compile(
    r"\b(?:umbrella|paye)(?:\s+compan(?:y|ies))?\s*(?:(?:/|or|and|&|,)\s*(?:umbrella|paye)"
    r"(?:\s+compan(?:y|ies))?\s*)?(?:\(|-|–)?\s*only\b"
    r"|(?<!not )(?<!never )\b(?:via|through|using|thru)\s+(?:an?\s+|your\s+|our\s+|the\s+)?"
    r"(?:(?:approved|accredited|compliant|preferred|fca[\s-]approved)\s+)?umbrella\b"
    r"|\bumbrella\s*(?:/|or|and|&)\s*paye\b|\bpaye\s*(?:/|or|and|&)\s*umbrella\b"
    r"|\(\s*(?:via\s+)?(?:umbrella|paye)(?:\s+compan(?:y|ies))?\s*\)"
    # a rate quoted for the route: "£65/hr umbrella", "£500 - £550 per day, umbrella"
    r"|(?:\b(?:per\s+(?:day|hour)|a\s+day|an\s+hour|p\.?/?[dh]|pd|ph|daily|hourly)|/\s*(?:day|hr|hour|d|h))"
    r"\s*[,(–-]?\s*(?:via\s+)?(?:umbrella|paye)\b"
)
# a limited company offered beside the umbrella ("umbrella or Ltd", "PAYE/Umbrella/Ltd")
_LTD_ROUTE = re.compile(
    r"\b(?:umbrella|paye)(?:\s+compan(?:y|ies))?\s*(?:/|or|and/or|,)\s*(?:ltd|limited|psc|"
    r"personal\s+service)\b|\b(?:ltd|limited(?:\s+compan(?:y|ies))?|psc)\s*(?:/|or|and/or|,)\s*"
    r"(?:umbrella|paye)\b"
    r"|\d[^£\n]{0,15}?\b(?:ltd|limited\s+company|psc)\b|\b(?:ltd|limited\s+company|psc)\s+rate\b"
)
_IR35_WORDS = {
    "inside": "inside",
    "outside": "outside",
    "outwith": "outside",
    "out of scope": "outside",
}
_IR35_OPPOSITE = {"inside": "outside", "outside": "inside"}


def contract_type_for(text: str, employment_type: str | Iterable[str] | None = None) -> str | None:
    """One of CONTRACT_TYPES, or None when neither text nor employmentType says."""
    low = (text or "").lower()
    if any(word in low for word in _LABEL_WORDS):
        for label in _LABEL.finditer(low):
            value = label.group("value")
            kind = _value_kind(value) or _length_kind(low, label.start(), value)
            if kind:
                return kind
    if ("interim" in low or "locum" in low) and any(
        not _NEGATED.search(low, max(0, m.start() - 80), m.start()) for m in _INTERIM.finditer(low)
    ):
        return "interim"
    structured = _from_employment_type(employment_type)
    if structured:
        return structured
    match = _ANY_KIND.search(low)
    if match and match.lastgroup:
        return match.lastgroup.replace("_", "-")
    return _duration_kind(low) if "duration" in low else None


def ir35_for(text: str) -> str | None:
    """ "inside" or "outside" when the text states one IR35 status; None if unsure.

    "within IR35" and "caught by IR35" are inside, "outwith" and "out of scope of IR35"
    outside; "deemed employment" (the off-payroll rules' term) inside, and a bare status
    right after a rate ("£500 per day (Inside)") counts; "not" before a status is the
    other one ("not caught by IR35": outside), as is a status ruled out right after it
    ("Outside IR35 is not available": inside). A
    status still to be confirmed ("Outside IR35 (TBC)") is None; with no status stated,
    pay through an umbrella company or PAYE only is inside.
    """
    low = (text or "").lower()
    if "35" in low or "deemed" in low or "side" in low:
        if _IR35_EITHER.search(low) or _IR35_PENDING.search(low):
            return None
        found = {
            _ir35_status(m, low)
            for m in _IR35.finditer(low)
            if not (m.group("de") and _SUPPOSED.search(low, max(0, m.start() - 60), m.start()))
        }
        if found:
            return found.pop() if len(found) == 1 else None
    if ("umbrella" in low or "paye" in low) and _INSIDE_ROUTE.search(low):
        return None if _LTD_ROUTE.search(low) else "inside"
    return None


def _ir35_status(match: re.Match[str], low: str) -> str:
    if match.group("caught"):
        negated = match.group("not_in") or match.group("not_verb") or match.group("nt")
        return "outside" if negated else "inside"
    if match.group("out"):
        return "outside"
    if match.group("c"):
        return match.group("c")
    if match.group("de"):
        return "outside" if match.group("not_de") else "inside"
    status = _IR35_WORDS[" ".join((match.group("a") or match.group("b")).split())]
    ruled_out = match.group("a") and _RULED_OUT.match(low, match.end())
    return _IR35_OPPOSITE[status] if bool(match.group("not")) != bool(ruled_out) else status


def _value_kind(value: str) -> str | None:
    """Kind named at the start of a labelled value ("Fixed Term", "permanent", "Interim")."""
    words = value.strip().lower().replace("_", " ")
    for key in sorted(_VALUE, key=len, reverse=True):
        if re.match(rf"{re.escape(key)}\b", words):
            return _VALUE[key]
    return None


def _length_kind(low: str, start: int, value: str) -> str | None:
    """The kind of a labelled length ("Contract: 6 months"): what follows it ("12 months
    fixed term"), else what the label names ("Fixed-term contract: 12 months"), else a
    contract, as "6 month contract" is; None when the value is not a length."""
    value = value.strip()
    end = leading_length(value)
    if end is None:
        return None
    after = _value_kind(value[end:].lstrip(" ,-–"))
    named = _KIND_BEFORE_LABEL.search(low, max(0, start - 30), start)
    return after or (_value_kind(named.group(0)) if named else None) or "contract"


def _duration_kind(low: str) -> str | None:
    """The kind of the first labelled duration in months or weeks ("Duration: 6 months"),
    read as a contract label's length is (`_length_kind`); a length in years ("Duration: 2
    years") may as well be a fixed term, so says nothing."""
    for label in _DURATION_LABEL.finditer(low):
        value = label.group("value").strip()
        end = leading_length(value)
        if end is not None and "year" not in value[:end]:
            return _length_kind(low, label.start(), value)
    return None


def _from_employment_type(value: str | Iterable[str] | None) -> str | None:
    if not value:
        return None
    values = [value] if isinstance(value, str) else list(value)
    kinds: list[str] = []
    for item in values:
        for part in re.split(r"[,;/|]", str(item)):
            token = part.strip()
            kind = _EMPLOYMENT_TYPES.get(token.upper().replace(" ", "_").replace("-", "_"))
            kind = kind or _value_kind(token)
            if kind:
                kinds.append(kind)
    for preferred in CONTRACT_TYPES:
        if preferred in kinds:
            return preferred
    return None
