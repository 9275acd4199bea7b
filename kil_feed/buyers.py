"""Buyers: the organisations behind notices, jobs and news, matched to one name key.

A buyer is matched by its identifier when a notice gives one (GB-PPON, GB-COH ...), else by
`name_key`: the name folded (case, punctuation, "&"/"and", "The") and, for councils, without
the words that vary between spellings of one council ("Manchester City Council",
"Manchester CC", "City of Manchester" -> "manchester"). The UK's local authorities come from
pycountry's ISO 3166-2:GB subdivisions (counties, unitary authorities, metropolitan
districts, London boroughs, Scottish council areas, Northern Irish districts): a real list,
read once and cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_COUNCIL_MARK = re.compile(
    r"\b(?:council|cc|mbc|bc|dc|mdc|cbc|lb|rb|borough of|city of|county of|county borough|"
    r"comhairle|corporation)\b",
    re.I,
)
_COUNCIL_WORDS = frozenset(
    {"council", "cc", "mbc", "bc", "dc", "mdc", "cbc", "city", "county", "borough",
     "metropolitan", "district", "royal", "of", "the", "and", "london", "corporation",
     "unitary", "authority", "comhairle", "nan", "na", "lb", "rb"}
)  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACE = re.compile(r"\s+")
LA_TYPES = frozenset(
    {"Unitary authority", "Metropolitan district", "Council area", "London borough",
     "Two-tier county", "District", "City corporation"}
)  # fmt: skip


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = text.replace("&", " and ").replace("'", "")
    return _SPACE.sub(" ", _NON_WORD.sub(" ", text)).strip()


def name_key(name: str | None) -> str:
    """The key two spellings of one buyer share ('' for no name)."""
    if not name or not name.strip():
        return ""
    folded = _fold(name)
    words = folded.split()
    if words and words[0] == "the":
        words = words[1:]
    if _COUNCIL_MARK.search(name) or _is_local_authority_words(words):
        core = [w for w in words if w not in _COUNCIL_WORDS]
        if core:
            return " ".join(core)
    words = ["ltd" if w == "limited" else w for w in words]
    return " ".join(words)


def _is_local_authority_words(words: list[str]) -> bool:
    return " ".join(w for w in words if w not in _COUNCIL_WORDS) in local_authorities()


@cache
def local_authorities() -> dict[str, str]:
    """name key -> ISO 3166-2 code of every UK local authority pycountry lists."""
    import pycountry

    from crawler.classify.gazetteer import subdivision_names

    out: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code="GB"):
        if sub.type not in LA_TYPES:
            continue
        for spelling in subdivision_names(sub.name):
            key = " ".join(w for w in _fold(spelling).split() if w not in _COUNCIL_WORDS)
            if key:
                out.setdefault(key, sub.code)
    return out


def local_authority_code(name: str | None) -> str | None:
    """The ISO 3166-2 code of the council a name spells, if it is a UK local authority."""
    if not name or not _COUNCIL_MARK.search(name):
        return None
    return local_authorities().get(name_key(name))


def slug_for(name: str) -> str:
    """A URL slug of a buyer's name ("Durham County Council" -> "durham-county-council")."""
    return _fold(name).replace(" ", "-")[:120] or "buyer"
