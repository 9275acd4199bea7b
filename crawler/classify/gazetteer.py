"""The UK place gazetteer: names and postcode areas mapped to ITL1 regions.

Built once, lazily, from pycountry's GB subdivisions (real ISO 3166-2 data, mapped to ITL1 by
`subdivisions.toml`) plus `places.toml` (postcode areas, region spellings, towns). Nothing is
read at import time; `gazetteer()` caches the result for the life of the process.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry

from crawler.records import ITL1_REGIONS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gazetteer:
    """Lookup tables; `names` keys are the exact spellings matched in free text."""

    names: dict[str, str]
    ambiguous: frozenset[str]
    unless: dict[str, tuple[str, ...]]
    postcode_areas: dict[str, str]
    subdivisions: dict[str, str]
    folded: dict[str, str]  # casefolded spelling -> spelling in `names`

    def canonical(self, spelled: str) -> str | None:
        """The gazetteer spelling of a name matched in any case ("ARLESEY" -> "Arlesey")."""
        return spelled if spelled in self.names else self.folded.get(spelled.casefold())

    def region_for_name(self, name: str) -> str | None:
        """Region for a matched spelling, tolerating case differences (address fields)."""
        canonical = self.canonical(name)
        return self.names[canonical] if canonical else None


def _load_toml(name: str) -> dict:
    with resources.files("crawler.classify").joinpath(name).open("rb") as fh:
        return tomllib.load(fh)


def subdivision_names(name: str) -> list[str]:
    """Spellings of one pycountry subdivision name.

    pycountry writes "Bristol, City of", "Durham, County", "Vale of Glamorgan, The
    [Bro Morgannwg GB-BMG]" and "St. Helens"; we want the forms people write.
    """
    out: list[str] = []
    alt = re.search(r"\[([^\]]+)\]", name)
    if alt:
        welsh = re.sub(r"\s*GB-[A-Z]{3}$", "", alt.group(1)).strip()
        out.append(welsh)
        name = name[: alt.start()].strip()
    if ", " in name and name.endswith((", City of", ", County of", ", County", ", The")):
        base, _, suffix = name.partition(", ")
        out.append(base)
        out.append(f"{suffix.removesuffix(' of')} {'of ' if suffix.endswith(' of') else ''}{base}")
    else:
        out.append(name)
    if name.endswith(" City") and not name.startswith("Armagh"):
        out.append(name.removesuffix(" City"))
    if "St. " in name:
        out.append(name.replace("St. ", "St "))
    return [n for n in dict.fromkeys(out) if n]


@cache
def gazetteer() -> Gazetteer:
    """Build (once) the name and postcode tables."""
    mapping = _load_toml("subdivisions.toml")["subdivisions"]
    places = _load_toml("places.toml")
    names: dict[str, str] = {}

    def add(name: str, region: str, origin: str) -> None:
        if region not in ITL1_REGIONS:
            raise ValueError(f"{origin}: {region!r} is not an ITL1 region")
        previous = names.setdefault(name, region)
        if previous != region:
            raise ValueError(f"{origin}: {name!r} maps to both {previous} and {region}")

    for sub in pycountry.subdivisions.get(country_code="GB"):
        region = mapping.get(sub.code)
        if region is None:
            logger.warning("pycountry subdivision %s (%s) has no ITL1 mapping", sub.code, sub.name)
            continue
        if region:
            for spelling in subdivision_names(sub.name):
                add(spelling, region, sub.code)
    for region, spellings in places["places"].items():
        for spelling in spellings:
            add(spelling, region, "places.toml")
    areas = dict(places["postcode_areas"])
    for area, region in areas.items():
        if region not in ITL1_REGIONS:
            raise ValueError(f"postcode area {area}: {region!r} is not an ITL1 region")
    return Gazetteer(
        names=names,
        ambiguous=frozenset(places["ambiguous"]["names"]),
        unless={k: tuple(v) for k, v in places["unless"].items()},
        postcode_areas=areas,
        subdivisions=dict(mapping),
        folded={name.casefold(): name for name in names},
    )
