"""Buyers: the organisations behind notices, jobs and news, matched to one name key.

A buyer is matched by its identifier when a notice gives one (GB-PPON, GB-COH ...), else by
`name_key`: the name folded (case, punctuation, "&"/"and", "The") and, for councils, without
the words that vary between spellings of one council ("Manchester City Council",
"Manchester CC", "City of Manchester" -> "manchester").

The UK's local authorities are mySociety's register of every one of them, current and
former (`data/uk_local_authorities.csv`, a copy with three garbled spellings repaired;
provenance in `data/uk_local_authorities.md`): counties, unitaries, metropolitan and
non-metropolitan districts, London boroughs, Scottish, Welsh and Northern Irish councils, combined
authorities. Its names and alternative spellings give each council one key, so
"Kingston upon Hull City Council" and "Hull City Council" are one buyer. News names a
council in many ways and a place name alone never names one: `council_mentions` finds the
councils a text names with a council word beside the place ("Durham County Council",
"Durham CC", "Manchester council", "City of Manchester", "London Borough of Merton").
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

_COUNCIL_MARK = re.compile(
    r"\b(?:council|cc|mbc|bc|dc|mdc|cbc|lb|rb|borough of|city of|county of|county borough|"
    r"comhairle|cyngor|corporation|combined (?:county )?authority|greater london authority)\b",
    re.I,
)
_COUNCIL_WORDS = frozenset(
    {"council", "cc", "mbc", "bc", "dc", "mdc", "cbc", "city", "county", "borough",
     "metropolitan", "district", "royal", "of", "the", "and", "london", "corporation",
     "unitary", "authority", "comhairle", "nan", "na", "lb", "rb", "ua"}
)  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACE = re.compile(r"\s+")
REGISTER = "uk_local_authorities.csv"


# the shortened county names councils go by ("East Herts Council" is East Hertfordshire
# District Council, "NE Lincs" North East Lincolnshire), read as the names they shorten
_COUNTY_SHORT = {
    "beds": "bedfordshire", "berks": "berkshire", "bucks": "buckinghamshire",
    "cambs": "cambridgeshire", "glos": "gloucestershire", "hants": "hampshire",
    "herts": "hertfordshire", "lancs": "lancashire", "leics": "leicestershire",
    "lincs": "lincolnshire", "northants": "northamptonshire", "notts": "nottinghamshire",
    "oxon": "oxfordshire", "staffs": "staffordshire", "warks": "warwickshire",
    "wilts": "wiltshire", "worcs": "worcestershire", "yorks": "yorkshire",
}  # fmt: skip
_SHORT_WORD = re.compile(r"\b(?:" + "|".join(_COUNTY_SHORT) + r")\b")


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = _SPACE.sub(" ", _NON_WORD.sub(" ", text)).strip()
    return _SHORT_WORD.sub(lambda m: _COUNTY_SHORT[m.group(0)], text)


def _core(name: str) -> str:
    """A council name without its varying words ("Durham County Council" -> "durham")."""
    return " ".join(w for w in _fold(name).split() if w not in _COUNCIL_WORDS)


@dataclass(frozen=True)
class LocalAuthority:
    """One council of the register."""

    code: str  # GB- and its BS 6879 (= ISO 3166-2:GB where ISO lists it) or register code
    name: str  # official name, "Durham County Council"
    nice_name: str  # "County Durham"
    kind: str  # register type name: "Non-metropolitan district", "Unitary authority" ...
    region: str  # ITL1 region, "" for the few the register leaves blank
    current: bool
    replaced_by: str  # register code of the successor of a former council, else ""
    places: tuple[str, ...]  # plain spellings of its place: "County Durham", "Durham"


_NAME_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:city|county|city\s+(?:and|&)\s+county|(?:london|royal)\s+borough|borough)"
    r"\s+of\s+|comhairle\s+(?:nan|na)\s+|cyngor\s+)",
    re.I,
)
_NAME_SUFFIX = re.compile(
    r"(?:\s+(?:city|county|borough|district|metropolitan|royal|unitary))*"
    r"\s+(?:council|corporation|cc|mbc|bc|dc|cbc|mdc|ua)$",
    re.I,
)


def _place_of(name: str, *, prefix: bool = True) -> str:
    """A council's name as a place ("Hull City Council" -> "Hull")."""
    place = _NAME_SUFFIX.sub("", name.strip())
    if prefix:
        place = _NAME_PREFIX.sub("", place)
    return _SPACE.sub(" ", place).strip(" ,")


def _register_rows() -> Iterator[dict[str, str]]:
    text = resources.files("kil_feed").joinpath("data", REGISTER).read_text(encoding="utf-8")
    yield from csv.DictReader(text.splitlines())


@cache
def _iso_codes() -> dict[str, str]:
    """name core -> ISO 3166-2 code of the councils pycountry lists (the codes kept since
    buyers were first given them; the register's BS 6879 codes agree for almost all)."""
    import pycountry

    from crawler.classify.gazetteer import subdivision_names

    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="GB"):
        if sub.type in {"Country", "Nation", "Province"}:
            continue
        for spelling in subdivision_names(sub.name):
            out.setdefault(_core(spelling), sub.code)
    return out


@cache
def register() -> tuple[LocalAuthority, ...]:
    """Every local authority of the register, current ones first."""
    iso = _iso_codes()
    out = []
    for row in _register_rows():
        spellings = [row["nice-name"], row["official-name"], *row["alt-names"].split(",")]
        by_fold: dict[str, str] = {}
        for spelling in spellings:
            place = _place_of(spelling)
            if place and _core(place):
                by_fold.setdefault(_fold(place), place)
        places = tuple(by_fold.values())
        code = iso.get(_core(row["nice-name"])) or iso.get(_core(row["official-name"]))
        out.append(
            LocalAuthority(
                code=code or f"GB-{row['BS-6879'] or row['local-authority-code']}",
                name=row["official-name"],
                nice_name=row["nice-name"],
                kind=row["local-authority-type-name"],
                region=row["region"],
                current=row["current-authority"] == "True",
                replaced_by=row["replaced-by"],
                places=places or (row["nice-name"],),
            )
        )
    out.sort(key=lambda la: not la.current)
    return tuple(out)


@cache
def local_authorities() -> dict[str, LocalAuthority]:
    """name key -> local authority, for every spelling the register gives (current
    councils win a spelling that a former one shares, as Somerset Council over Somerset
    County Council)."""
    out: dict[str, LocalAuthority] = {}
    for la in register():
        for spelling in (la.name, la.nice_name, *la.places):
            key = _core(spelling) or _fold(spelling)
            if key:
                out.setdefault(key, la)
    return out


def _council_of(name: str) -> LocalAuthority | None:
    """The council whose name or place this is, if any ("Hull City Council", "Durham");
    a department after a dash is the council's ("... County Council - Children's Services")."""
    name = re.split(r"\s+[-\u2013\u2014]\s+", name, maxsplit=1)[0]
    places = _places()
    councils = places.get(_fold(_place_of(name))) or places.get(
        _fold(_place_of(name, prefix=False))
    )
    if councils:
        return next((la for la in councils if la.current), councils[0])
    words = _fold(name).split()
    core = " ".join(w for w in words[words[:1] == ["the"] :] if w not in _COUNCIL_WORDS)
    return local_authorities().get(core) if core else None


def name_key(name: str | None) -> str:
    """The key two spellings of one buyer share ('' for no name)."""
    if not name or not name.strip():
        return ""
    council = _council_of(name)
    if council is not None:
        core = _core(council.nice_name)
        return core if core and core not in _QUALIFIERS else _fold(council.nice_name)
    words = _fold(name).split()
    if words and words[0] == "the":
        words = words[1:]
    core = " ".join(w for w in words if w not in _COUNCIL_WORDS)
    if core and re.search(r"\bcouncil\b", name, re.I):
        return core  # "Arts Council England", "Arts Council of England"
    if "trust" in words:  # "X NHS Foundation Trust" is also written "X Foundation Trust"
        words = [w for w in words if w != "nhs"]
    return " ".join("ltd" if w == "limited" else w for w in words)


def local_authority(name: str | None) -> LocalAuthority | None:
    """The council a buyer's name spells, if it is a UK local authority."""
    if not name or not _COUNCIL_MARK.search(name):
        return None
    return _council_of(name)


def local_authority_code(name: str | None) -> str | None:
    """The code of the council a name spells (GB-DUR), if it is a UK local authority."""
    council = local_authority(name)
    return council.code if council else None


def slug_for(name: str) -> str:
    """A URL slug of a buyer's name ("Durham County Council" -> "durham-county-council")."""
    return _fold(name).replace(" ", "-")[:120] or "buyer"


# --- councils named in free text ----------------------------------------------------------

_TOKEN = re.compile(r"[\w\u2019'&]+(?:-[\w\u2019'&]+)*")
_ACRONYMS = frozenset({"CC", "MBC", "BC", "DC", "CBC", "MDC", "UA"})
# words between a place and "Council" in a council's name ("Durham County Council")
_KINDS = frozenset({"city", "county", "borough", "district", "metropolitan", "royal", "unitary"})
# "Morpeth Town Council", "Murton Parish Council": another tier, not the district's council
_OTHER_TIERS = frozenset({"town", "parish", "community", "neighbourhood", "village"})
# "City of Manchester", "London Borough of Merton": a council word before "of" and the place
_OF_FORMS = frozenset({"city", "borough", "county"})
# a word before a place that makes it another place ("New York City Council",
# "Greater Manchester councils", "South Gloucestershire Council")
_QUALIFIERS = frozenset(
    {"new", "greater", "north", "south", "east", "west", "mid", "central", "upper", "lower",
     "old", "great", "little", "inner", "outer"}
)  # fmt: skip
_LINKS = frozenset({"and", "&", "upon", "on", "under", "in", "le", "of", "the", "nan", "na"})
_MAX_PLACE_WORDS = 6


@cache
def _places() -> dict[str, tuple[LocalAuthority, ...]]:
    """folded place spelling -> the councils of that place (current ones first)."""
    out: dict[str, list[LocalAuthority]] = {}
    for la in register():
        for place in la.places:
            out.setdefault(_fold(place), []).append(la)
    return {k: tuple(v) for k, v in out.items()}


def _is_word(token: str) -> bool:
    return token[:1].isupper() or token.casefold() in _LINKS


def council_mentions(text: str | None) -> set[str]:
    """Codes of the councils `text` names as councils: a place with a council word
    ("Durham County Council", "Durham CC", "Manchester council", "City of Manchester").
    A place alone ("Manchester beat Chelsea") names none."""
    if not text:
        return set()
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    found: set[str] = set()
    for i, (token, _) in enumerate(tokens):
        low = token.casefold().removesuffix("'s").removesuffix("\u2019s")
        if low in ("council", "councils", "corporation") or token in _ACRONYMS:
            found |= _before(text, tokens, i)
        elif token == "LB" or (low == "of" and i and tokens[i - 1][0].casefold() in _OF_FORMS):
            found |= _after(tokens, i)
    return found


def _qualifies(text: str, previous: tuple[str, int], place_at: int) -> bool:
    """True when the word just before a place makes it another place ("New York")."""
    word, at = previous
    gap = text[at + len(word) : place_at]
    return word.casefold() in _QUALIFIERS and word[:1].isupper() and not gap.strip()


def _place_in(tokens: list[tuple[str, int]]) -> tuple[LocalAuthority, ...] | None:
    """The councils of the place these words spell, if they spell one as a name."""
    words = [t for t, _ in tokens]
    if not words[0][:1].isupper() or not all(_is_word(w) for w in words):
        return None
    return _places().get(_fold(" ".join(words)))


def _before(text: str, tokens: list[tuple[str, int]], at: int) -> set[str]:
    """Councils named by the words before a designator ("... County Council")."""
    end = at
    kinds: list[str] = []
    while end > 0 and tokens[end - 1][0].casefold() in _KINDS and tokens[end - 1][0][:1].isupper():
        end -= 1
        kinds.insert(0, tokens[end][0].casefold())
    if end > 0 and tokens[end - 1][0].casefold() in _OTHER_TIERS:
        return set()
    for start in range(max(0, end - _MAX_PLACE_WORDS), end):
        councils = _place_in(tokens[start:end])
        if councils is None:
            continue
        if start > 0 and _qualifies(text, tokens[start - 1], tokens[start][1]):
            return set()
        return _pick(councils, kinds)
    return set()


def _after(tokens: list[tuple[str, int]], at: int) -> set[str]:
    """Councils named by the words after "City of", "London Borough of", "LB"."""
    begin = at + 1
    for end in range(min(len(tokens), begin + _MAX_PLACE_WORDS), begin, -1):
        councils = _place_in(tokens[begin:end])
        if councils is None:
            continue
        following = tokens[end][0] if end < len(tokens) else ""
        if following[:1].isupper() and following.casefold() not in {"council", "corporation"}:
            return set()  # "City of Manchester Stadium" is a stadium
        kinds = [t.casefold() for t, _ in tokens[max(0, at - 2) : at]]
        return _pick(councils, kinds)
    return set()


def _pick(councils: tuple[LocalAuthority, ...], kinds: list[str]) -> set[str]:
    """One council of a place, narrowed by the kind words when the place has several."""
    if len(councils) > 1 and kinds:
        narrowed = [la for la in councils if all(k in la.name.casefold() for k in kinds)]
        councils = tuple(narrowed) or councils
    current = [la for la in councils if la.current] or list(councils)
    return {current[0].code} if len({la.code for la in current}) == 1 else set()


def mentions(text: str | None, *, name: str, la_code: str | None = None) -> bool:
    """True when `text` names this buyer: a council in any of its spellings, any other
    buyer by its full name on word boundaries, in any case when it has several words
    ("Met Office"), as written when it is one ("VIVID" is not "vivid colours"; "UK", a real
    buyer's name, is too short to tell)."""
    if not text:
        return False
    code = la_code or local_authority_code(name)
    if code and code in council_mentions(text):
        return True
    words = name.split()
    if len(words) == 1 and len(words[0]) < 4:
        return False
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)"
    return re.search(pattern, text, re.I if len(words) > 1 else 0) is not None


def search_words(name: str, la_code: str | None = None) -> list[str]:
    """Words a text naming this buyer must contain (to narrow a database query first)."""
    code = la_code or local_authority_code(name)
    if code:
        councils = [la for la in register() if la.code == code]
        return sorted({p for la in councils for p in la.places}, key=len) or [name]
    return [name]
