"""Where a remote, home-based or nationwide job is: every region, or the places it is
still tied to.

A job worked from anywhere ("Fully remote", "Nationwide", "UK-wide") is in every region, as
job boards show it to people everywhere, whatever places its text merely names ("Our client,
a London borough"); one worked anywhere in a nation is in that nation's regions ("GB-wide",
"Across England": Great Britain has no Northern Ireland, England is its nine regions). A
remote or home-based job that is tied to a place ("Home-based; travel across the North
West", "Remote with occasional travel to Manchester", "2 days in Leeds", "Remote -
Scotland") is in that place's region: it is open to people within reach of it, not to
everyone. So is one whose advert gives a place or region as its location ("Location: North
West" beside "Home based"): the advert says where the role is. A role at many sites across
the country ("UK Sites", "Various UK sites", "Multiple locations across the UK") is national
too, whatever postcode sits beside it (the employer's office); a located role that travels
("London (EC3R) with occasional UK travel") is not. A JobPosting's location is its
jobLocation, the employer's office for a remote role, and does not narrow it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from crawler.classify.gazetteer import ITL1_REGIONS
from crawler.classify.regions import (
    RIGHT_BEFORE_PLACE,
    TOWARDS,
    TRAVEL_WORDS,
    address_regions,
    named_regions,
    places_in,
    regions_for,
    schema_text,
    tied_places,
)

# Where a role is worked from anywhere: "Fully remote", "Remote (UK)", "home based",
# "Nationwide", "UK-wide", "anywhere in the UK", "Location: Remote". "Nationwide" and
# "UK-wide" count only standing alone, not as an adjective ("a nationwide housing
# association", "a UK-wide programme", "nationwide travel" from a base), and "home based" not
# of a service ("home-based care").
# places named "Home ...": the Home Counties, the Home Office (a department, not home working)
_HOME_PLACE = r"[\s-]+(?:counties|office)\b"
_ALONE = r"(?=\s*(?:$|[.,;:)(/\n|•·–—-]|(?:role|position|post|contract|basis|coverage|with|but)\b))"
# a role at many sites across the country: "UK Sites", "Various UK sites", "Multiple
# locations across the UK", "Sites throughout the United Kingdom"; not travel to them from
# a base ("London (EC3R) with occasional UK travel", "travel to sites across the UK")
_UK = r"(?:the\s+)?(?:uk|united\s+kingdom|gb|great\s+britain|britain|england|country)\b"
# the whole of a nation as a location: "GB-wide", "England-wide", "Across GB", "Throughout
# England"
_AREA_WIDE = r"(?:uk|gb|britain|england)[\s-]wide"
_ACROSS = rf"(?:across|throughout)\s+{_UK}"
_SITES = r"(?:sites|locations|offices|bases|hospitals|depots)\b"
_MANY = r"(?:various|multiple|several|numerous|many|all|a\s+range\s+of)"
_NATIONAL_SITES = (
    rf"(?:{_MANY}\s+)?(?:uk|gb|united\s+kingdom|national)[\s-]+{_SITES}"
    rf"|(?:{_MANY}\s+)?{_SITES}\s+(?:across|throughout|around|in)\s+{_UK}"
)
_REMOTE = re.compile(
    r"\b(?:fully|100%|entirely|completely|wholly|totally|permanently)\s+(?:home[\s-]based|remote(?:ly)?"
    r"|from\s+home)\b"
    r"|\bremote(?:ly)?[\s-](?:based|role|position|post|contract|assignment|opportunity|only|first)\b"
    r"|\bremote\s*[(,/–—-]?\s*(?:(?:across|throughout|anywhere\s+in)\s+(?:the\s+)?)?"
    r"(?:uk|united\s+kingdom|gb|great\s+britain|england)\b"
    r"|\b(?:uk|united\s+kingdom)\s*[(,/–—-]?\s*remote\b"
    rf"|\bhome[\s-]based{_ALONE}|\bnationwide{_ALONE}|\b{_AREA_WIDE}{_ALONE}"
    r"|\b(?:location|based|workplace|work\s+location|job\s+location|place\s+of\s+work|working\s+location)"
    rf"\s*[:\-–]\s*(?:remote|home(?!{_HOME_PLACE})|nationwide|{_AREA_WIDE}|anywhere|working\s+from\s+home|wfh"
    rf"|{_NATIONAL_SITES}|{_ACROSS})\b"
    r"|\banywhere\s+in\s+(?:the\s+)?(?:uk|united\s+kingdom|england|great\s+britain|gb|britain)\b"
)
# a location that is only a remote word ("Remote", "Home", "Nationwide", "WFH")
_REMOTE_PLACE = re.compile(
    rf"^\W*(?:(?:fully|100%)\s+)?(?:remote(?:ly)?|home(?!{_HOME_PLACE})(?:[\s-]based)?|nationwide|{_AREA_WIDE}|"
    rf"working\s+from\s+home|work\s+from\s+home|wfh|anywhere|{_NATIONAL_SITES}|{_ACROSS})\b"
)
# a location that states many sites across the country: its postcode is the employer's
# office, only the places it names narrow it ("Various UK sites: Leeds and Bristol")
_NATIONAL_PLACE = re.compile(rf"^\W*(?:{_NATIONAL_SITES})")
_NOT_BEFORE = re.compile(r"\b(?:not|no|non|never|isn't|isnt)\b[\s-]*(?:an?\s+|be\s+|the\s+)?$")
# a role partly worked at a place: "Hybrid, 2 days in Leeds", "3 days a week in the office"
_HYBRID = re.compile(r"\bhybrid\b|\b\d\s*(?:days?|x)\s+(?:a|per|each)\s+week\s+(?:in|at)\b")


def is_remote(text: str, location: str | None = None, location_type: Any = None) -> bool:
    """Whether a job is worked from anywhere (remote, home based, nationwide); a hybrid role
    ("Hybrid, 2 days in Leeds") never is."""
    kinds = location_type if isinstance(location_type, list | tuple) else [location_type]
    if any(isinstance(k, str) and k.strip().upper() == "TELECOMMUTE" for k in kinds):
        return True
    loc = (location or "").lower()
    low = (text or "").lower()
    if _HYBRID.search(low) or _HYBRID.search(loc):
        return False
    if loc and (_REMOTE_PLACE.match(loc) or _REMOTE.search(loc)):
        return True
    return next(_remote_phrases(low), None) is not None


def _remote_phrases(low: str) -> Iterator[re.Match[str]]:
    """The remote or national phrases of lower-cased text that it does not deny ("not a
    remote role")."""
    return (
        m
        for m in _REMOTE.finditer(low)
        if not _NOT_BEFORE.search(low, max(0, m.start() - 16), m.start())
    )


# The nations a national phrase names ("GB-wide", "Remote (Great Britain)", "sites across
# England"): Great Britain is England, Scotland and Wales, not Northern Ireland; any other
# phrase ("UK-wide", "Nationwide", "Fully remote") is the whole UK.
_NOT_ENGLAND = ("Wales", "Scotland", "Northern Ireland")
_NATIONS = (
    (re.compile(r"\bengland\b"), tuple(r for r in ITL1_REGIONS if r not in _NOT_ENGLAND)),
    (re.compile(r"\b(?:gb|britain)\b"), tuple(r for r in ITL1_REGIONS if r != "Northern Ireland")),
)
_AND_NI = re.compile(r"\s*(?:and|&)\s+(?:northern\s+)?ireland\b")  # "Great Britain and NI"


def _national_regions(text: str, location: str | None) -> list[str]:
    """The regions of a role worked from anywhere: of the narrowest nation its remote or
    national phrases name ("anywhere in England" within "UK-wide"), else every region."""
    loc = (location or "").lower()
    phrases = [m for m in (_REMOTE_PLACE.match(loc), *_REMOTE.finditer(loc)) if m]
    narrowest = tuple(ITL1_REGIONS)
    for phrase in [*phrases, *_remote_phrases((text or "").lower())]:
        for word, regions in _NATIONS:
            found = word.search(phrase.group(0))
            if found and not _AND_NI.match(phrase.string, phrase.start() + found.end()):
                if len(regions) < len(narrowest):
                    narrowest = regions
                break
    return list(narrowest)


def job_regions(
    text: str,
    address: Mapping[str, Any] | str | list[Any] | None = None,
    *,
    location: str | None = None,
    location_type: Any = None,
    applicants: Any = None,
    posting: bool = False,
) -> list[str]:
    """A job's regions: where it is worked. A remote or nationwide role is in the regions of the
    places it is still tied to: those its location names ("Remote - Scotland", or "North
    West" or "Leeds" as an advert's location), else those its text travels to or is partly
    worked at (`_tied_places`); else the areas `applicants` (schema.org
    applicantLocationRequirements: a Country or an AdministrativeArea) allows; else every
    region (it is open to people anywhere, as job boards show it), or every region of the
    nation it is worked across ("GB-wide", "anywhere in England": `_national_regions`).
    Applicants or an address in another country give []. The location of a JobPosting
    (`posting`), its jobLocation, narrows a remote role only next to a remote word ("Remote
    - Scotland"): alone ("London") it is the employer's office; nor does a place its text
    merely names."""
    if not is_remote(text, location, location_type):
        return regions_for(text, address)
    if address and address_regions(address) == ([], True):
        return []  # a remote job abroad
    if location and (not posting or _REMOTE_PLACE.match(location.lower())):
        if _NATIONAL_PLACE.match(location.lower()):  # its postcode is the head office's
            named = list(dict.fromkeys(named_regions(location, address_mode=True)))
        else:
            named, _ = address_regions(location)  # the places it names, then its postcode's
        if named:
            return named
    if tied := _tied_places(text):
        return tied
    regions: list[str] = []
    foreign = False
    for area in applicants if isinstance(applicants, list) else [applicants]:
        name = schema_text(area).strip()
        if not name:
            continue
        got, other = address_regions({"addressCountry": name})
        regions += got or named_regions(name, address_mode=True)
        foreign = foreign or other
    if regions or foreign:
        return list(dict.fromkeys(regions))
    return _national_regions(text, location)


# What ties a remote role to the place named right after it: travel, visits or days there
# ("travel across the", "occasional travel to", "site visits in", "2 days a week in our"),
# being home-based there ("home-based in", "working from home within"), being based there
# ("the role is based in"), or a remote word with the place beside it ("Home based (").
_TIED_BEFORE = re.compile(
    rf"(?:\b(?:{TRAVEL_WORDS}|days?|commut\w*|liv(?:e|ing)|resid\w*){TOWARDS}"
    r"|\bcover(?:ing|s)?|\b(?:home|remote(?:ly)?)[\s-]based\s+(?:in|within|across|around|near|from)"
    r"|\bfrom\s+home\s+(?:in|within|across|around|near)"
    r"|\b(?:role|post|position|job|you)\s+(?:is|are|will\s+be|would\s+be)\s+(?:\w+\s+)?based"
    r"\s+(?:in|at|near|from|around|within)"
    rf"|\b(?:remote(?:ly)?|home[\s-]based|wfh)\s*[(,/|\u2013\u2014:-]){RIGHT_BEFORE_PLACE}"
)
# ... unless it is ruled out: "no travel to", "without the need to travel to"
_TIE_DENIED = re.compile(r"\b(?:no|not|without|never|nor)\s+(?:[\w'-]+\s+){0,3}$")


def _tied_places(text: str) -> list[str]:
    """Regions of the places a remote role's text ties it to ("travel across the North
    West", "visits to Leeds, Bradford and York"), in order; [] when it names none so."""
    if " & " in text:
        text = text.replace(" & ", " and ")
    tied = tied_places(text, places_in(text), _TIED_BEFORE, _TIE_DENIED)
    return list(dict.fromkeys(region for region, _ in tied))
