"""UK ITL1 regions from a schema.org address, postcodes and place names in text.

Where a remote or nationwide job is, is `crawler.classify.remote`'s to say.
Precedence: a structured address wins over free text (it is where the job is; a description
mentions other places). Within an address, the place it states (addressRegion, then
addressLocality) comes first and the postcode's region is added after it when they disagree:
both are recorded, the stated one preferred. Free text is read
with capitalisation intact so "reading the report" never means Reading; address fields
("ARLESEY", "leeds") are matched without regard to case. Regexes are compiled on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

import pycountry

from crawler.classify.gazetteer import gazetteer
from crawler.classify.triere import trie_pattern

# Words after a place name that make it a street or something else ("London Road, Leicester",
# "South East Asia", "Scotland Yard").
_NOT_A_PLACE_AFTER = (
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Way|Drive|Place|Square|Terrace|Close|Crescent|"
    r"Gardens|Grove|Row|Yard|Walk|Parade|Mews|Asia|Africa|America|Pacific|Europe|Coast)"
)
# A name after these is another country's ("New York", "New South Wales", "Prince of Wales").
_NOT_A_PLACE_BEFORE = r"(?<!New )(?<!NEW )(?<!New South )(?<!Prince of )(?<!Princess of )(?<!Nova )"
_LOCATIVE = frozenset(
    {
        "in", "at", "near", "around", "across", "of", "from", "to", "outside", "within",
        "covering", "serving", "based", "throughout", "into", "towards", "toward",
    }
)  # fmt: skip
_CIVIC_AFTER = re.compile(
    r"\s+(?:Borough|City|Council|Town|area|Hospital|University|College|station|district|"
    r"region|office|offices|-based|based)\b|,\s+[A-Z]{1,2}[0-9]",
)
_PREV_WORD = re.compile(r"(\w+)[\s,]*$")
# the area's first letter opens the pattern (so `re` skips to capitals) and the
# lookbehind after it checks the character before the postcode
_FULL_POSTCODE = re.compile(
    r"([A-Z](?<![A-Za-z0-9].)[A-Z]?)[0-9][A-Z0-9]? ?[0-9][A-Z]{2}(?![A-Za-z0-9])"
)
_OUTWARD_ONLY = re.compile(r"^\s*([A-Z]{1,2})[0-9][A-Z0-9]?\s*$")
# In free text an outward code alone ("Wallsend, NE28") is only trusted after a comma and
# with a two-letter area: "M1", "A1", "B7" are roads and the like far more often.
_OUTWARD_IN_TEXT = re.compile(r",\s*([A-Z]{2})[0-9]{1,2}[A-Z]?(?=\s*(?:$|[,;)\n]|\.(?:\s|$)))")
_UK_COUNTRIES = frozenset(
    {
        "gb", "gbr", "uk", "u.k.", "united kingdom", "great britain", "britain", "england",
        "scotland", "wales", "cymru", "northern ireland",
    }
)  # fmt: skip
_NATION_REGION = {
    "scotland": "Scotland",
    "wales": "Wales",
    "cymru": "Wales",
    "northern ireland": "Northern Ireland",
}


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """(free-text pattern, address pattern, spelling -> canonical name) built once.

    The free-text pattern begins with the names themselves, so that `re` skips straight to
    the capital letters that can start one; what must not come before a name is checked
    where a name matched (`_PLACE_START`), as a leading lookbehind would be tried at every
    character. Address fields are matched lower-cased, against lower-cased names: faster
    to build and to run than re.IGNORECASE.
    """
    gaz = gazetteer()
    canonical: dict[str, str] = {}
    for name in gaz.names:
        canonical[name] = name
        if name not in gaz.ambiguous and len(name) >= 4:
            canonical.setdefault(name.upper(), name)
    text = re.compile(rf"(?P<name>{trie_pattern(canonical)})(?![\w])(?!\s+{_NOT_A_PLACE_AFTER}\b)")
    address = re.compile(
        rf"(?<![\w-])(?P<name>{trie_pattern({n.lower() for n in gaz.names})})(?![\w])"
        rf"(?!\s+{_NOT_A_PLACE_AFTER.lower()}\b)"
    )
    return text, address, canonical


# What must not come right before a place name in free text (see `_patterns`).
_PLACE_START = re.compile(rf"(?<![\w-]){_NOT_A_PLACE_BEFORE}")


def regions_for(
    text: str = "", address: Mapping[str, Any] | str | list[Any] | None = None
) -> list[str]:
    """ITL1 region names for an item, in order of evidence, without duplicates.

    `address` may be a schema.org PostalAddress dict, a Place (with `address`), a list of
    them, or a plain location string ("Dstl Porton Down, Salisbury - SP4 0JQ"). When it
    resolves, free text is not consulted; an address in another country gives []. A place
    only travelled to is not where the job is (`located_regions`).
    """
    if address:
        regions, foreign = address_regions(address)
        if foreign and not regions:
            return []
        if regions:
            return regions
    if not text:
        return []
    if " & " in text:  # "Hammersmith & Fulham", "Redcar & Cleveland": the gazetteer says "and"
        text = text.replace(" & ", " and ")
    return _dedupe(located_regions(text, address_mode=False) + _postcodes_in(text, free_text=True))


# An advertiser's legal footer names its own address, not the job's: "Registered office: 1
# Piccadilly Gardens, Manchester M1 1AE", "Registered in England No. 0123", "Acme is acting as
# an employment business". A place in the sentence holding one of these is not the job's.
_COMPANY_DETAILS = re.compile(
    r"\bregistered\s+(?:office|address|in\s+(?:england|scotland|wales|northern\s+ireland))\b"
    r"|\bcompany\s+(?:no\b|number|registration)|\bvat\s+(?:no\b|number|registration)"
    r"|\bemployment\s+(?:business|agency)\b"
)
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
_SENTENCE_REACH = 150  # characters each side of a place: a footer sentence is short


def _in_company_details(text: str, at: int) -> bool:
    """True when the sentence around offset `at` gives the advertiser's registered details
    (only the few sentences holding a place are read, never the whole text)."""
    floor = max(0, at - _SENTENCE_REACH)
    start = max(text.rfind(". ", floor, at), text.rfind("\n", floor, at), floor - 1) + 1
    end = _SENTENCE_END.search(text, at, at + _SENTENCE_REACH)
    stop = end.start() if end else min(len(text), at + _SENTENCE_REACH)
    return bool(_COMPANY_DETAILS.search(text[start:stop].lower()))


_URL_COUNCIL = re.compile(
    r"(?:^|[/\-_])(?:city-of-)?(?P<name>[a-z]+(?:-(?:and|upon|on|under|le)?-?[a-z]+){0,4}?)"
    r"-(?:city-|county-|borough-|district-|metropolitan-borough-)?council\b"
)


_URL_SPACE = re.compile(r"[\t\r\n]")  # what urlsplit drops from anywhere in a URL


def regions_for_url(url: str) -> list[str]:
    """Regions of the councils a URL's path names ("/news/city-of-york-council-approves",
    "/hammersmith-and-fulham-council-insources-repairs"); a council word is required, so a
    slug that merely contains a place-like word ("bath-time") gives nothing."""
    if not url or ("%" not in url and "council" not in _URL_SPACE.sub("", url.lower())):
        return []  # most URLs: no council word, nor an escape that could spell one
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(url).path).lower()
    found: list[str] = []
    for match in _URL_COUNCIL.finditer(path):
        words = match.group("name").split("-")
        # the longest run of trailing words that is a place: "news-york" -> "york"
        for start in range(len(words)):
            names = named_regions(" ".join(words[start:]), address_mode=True)
            if names:
                found += names[-1:]
                break
    return _dedupe(found)


def region_for_postcode(postcode: str) -> str | None:
    """Region of a full postcode or outward code ("SW1A 2AA", "M1", "ne28"), else None."""
    value = postcode.strip().upper()
    match = _FULL_POSTCODE.search(value) or _OUTWARD_ONLY.match(value)
    return gazetteer().postcode_areas.get(match.group(1)) if match else None


def address_regions(address: Any) -> tuple[list[str], bool]:
    """(regions, is_foreign) for one address-like value or a list of them: a PostalAddress,
    a Place, a location string (the places it names, then its postcode's region). Regions
    in order of evidence, without duplicates; ([], True) is an address in another country."""
    if isinstance(address, str):
        # as in a PostalAddress: the place it names first, its postcode's region after
        # ("Andover, South East England, SP11 8HJ": SP is mostly Wiltshire)
        named = located_regions(address, address_mode=True)
        return _dedupe(named + _postcodes_in(address, free_text=False)), False
    if isinstance(address, Iterable) and not isinstance(address, Mapping):
        regions: list[str] = []
        foreign = False
        for part in address:
            got, part_foreign = address_regions(part)
            regions += got
            foreign = foreign or part_foreign
        return _dedupe(regions), foreign
    if not isinstance(address, Mapping):
        return [], False
    if isinstance(address.get("address"), Mapping | str | list):
        return address_regions(address["address"])
    country = schema_text(address.get("addressCountry")).strip().casefold()
    if country and country not in _UK_COUNTRIES and _is_other_country(country):
        return [], True
    postal = schema_text(address.get("postalCode"))
    postal_region = region_for_postcode(postal) if postal else None
    named: list[str] = []
    for key in ("addressRegion", "addressLocality"):
        value = schema_text(address.get(key))
        if value:
            named += _postcodes_in(value, free_text=False) or named_regions(
                value, address_mode=True
            )
    if postal_region:
        # a stated place that disagrees with the postcode: both, the stated one first (the
        # advert says where the job is; a postcode is often the employer's head office)
        return _dedupe([*named, postal_region]) if named else [postal_region], False
    if not named and country in _NATION_REGION:
        named = [_NATION_REGION[country]]
    return _dedupe(named), False


def named_regions(text: str, *, address_mode: bool) -> list[str]:
    """Regions of the place names `text` uses, left to right (repeats kept); `address_mode`
    reads an address field, without regard to case or context (see `places_in`)."""
    return [region for region, _ in places_in(text, address_mode=address_mode)]


# What sends a job's holder to a place named soon after it ("travel to", "some travel
# required to", "visits to our", "occasional trips to", "with travel across the", "meetings
# in"): TRAVEL_WORDS, then TOWARDS. `crawler.classify.remote` reads the same words as tying a
# remote role to that place; here they say the place is not where the job is.
TRAVEL_WORDS = r"travel\w*|visit(?:s|ing)?|trips?|meetings?|attend(?:s|ing|ance)?"
TOWARDS = r"(?:\s+[\w'-]+){0,4}?\s+(?:to|in|across|around|within|throughout|at|near|into|of)"
RIGHT_BEFORE_PLACE = r"\s*(?:(?:the|our|their|its|a|an|your)\s+)?$"  # ends a tying phrase
_TRAVEL_TO = re.compile(rf"\b(?:{TRAVEL_WORDS}){TOWARDS}{RIGHT_BEFORE_PLACE}")
# between places in a list that one phrase ties together: "Leeds, Bradford and York"
_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+|\s*[/&]\s*)(?:the\s+)?")
_TIE_REACH = 60  # characters before a place that may tie it to a phrase


def located_regions(text: str, *, address_mode: bool) -> list[str]:
    """Regions of the places `text` names as where a job is, left to right (repeats kept):
    one only named as somewhere to travel to ("based in Andover with some travel required
    to London") is left out, unless `text` names nowhere else (the job is then within reach
    of it, as a remote role tied to it is)."""
    found = list(places_in(text, address_mode=address_mode))
    if len(found) > 1:
        away = {m.start() for _, m in tied_places(text, found, _TRAVEL_TO)}
        located = [region for region, match in found if match.start() not in away]
        if located:
            return located
    return [region for region, _ in found]


def tied_places(
    text: str,
    places: Iterable[tuple[str, re.Match[str]]],
    before: re.Pattern[str],
    denied: re.Pattern[str] | None = None,
) -> Iterator[tuple[str, re.Match[str]]]:
    """Those of `places` (from `places_in(text)`) that a phrase `before` finds in the
    lower-cased characters before them ties `text` to ("travel across the North West"), and
    those listed right after one ("visits to Leeds, Bradford and York"); a phrase `denied`
    finds before it ("no travel to") ties nothing."""
    low = text.lower()
    last_end = -1
    for region, match in places:
        start = match.start()
        joined = last_end >= 0 and _LIST_JOIN.fullmatch(low, last_end, start) is not None
        if not joined:
            window = low[max(0, start - _TIE_REACH) : start]
            tie = before.search(window)
            if tie is None or (denied is not None and denied.search(window, 0, tie.start())):
                continue
        yield region, match
        last_end = match.end()


def places_in(text: str, *, address_mode: bool = False) -> Iterator[tuple[str, re.Match[str]]]:
    """(region, match) of each place name `text` uses as a place, left to right."""
    gaz = gazetteer()
    for spelled, match in _matches(text, address_mode=address_mode):
        key = gaz.canonical(spelled)
        if key is None:
            continue
        if key in gaz.unless and any(marker in text for marker in gaz.unless[key]):
            continue
        if not address_mode and key in gaz.ambiguous and not _in_place_context(text, match):
            continue
        if not address_mode and _in_company_details(text, match.start()):
            continue
        yield gaz.names[key], match


def _matches(text: str, *, address_mode: bool) -> Iterator[tuple[str, re.Match[str]]]:
    """(spelling as matched, match) of each place name, left to right, not overlapping."""
    text_re, address_re, canonical = _patterns()
    if address_mode:
        for match in address_re.finditer(text.lower()):
            yield match.group("name"), match
        return
    pos = 0
    while match := text_re.search(text, pos):
        if _PLACE_START.match(text, match.start()):
            spelled = match.group("name")
            yield canonical.get(spelled, spelled), match
            pos = match.end()
        else:  # as the lookbehind would: try again one character on
            pos = match.start() + 1


def _in_place_context(text: str, match: re.Match[str]) -> bool:
    """True when an ambiguous name is used as a place: "in Bath", "Reading Borough Council"."""
    before = _PREV_WORD.search(text, max(0, match.start() - 30), match.start())
    if before and before.group(1).lower() in _LOCATIVE:
        return True
    return bool(_CIVIC_AFTER.match(text, match.end()))


def _postcodes_in(text: str, *, free_text: bool) -> list[str]:
    areas = gazetteer().postcode_areas
    value = text if free_text else text.upper()

    def regions(pattern: re.Pattern[str]) -> list[str]:
        return [
            areas[m.group(1)]
            for m in pattern.finditer(value)
            if m.group(1) in areas and not (free_text and _in_company_details(value, m.start()))
        ]

    return regions(_FULL_POSTCODE) or regions(_OUTWARD_IN_TEXT if free_text else _OUTWARD_ONLY)


def _is_other_country(country: str) -> bool:
    try:
        return pycountry.countries.lookup(country).alpha_2 != "GB"
    except LookupError:
        return False


def schema_text(value: Any) -> str:
    """The text of a schema.org value: itself, a Thing's name (else its @id), or a list of
    them joined with commas."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("@id") or ""
    if isinstance(value, list):
        return ", ".join(schema_text(v) for v in value)
    return str(value) if value is not None else ""


def _dedupe(regions: list[str]) -> list[str]:
    return list(dict.fromkeys(regions))
