"""The ITL1 region of an OCDS address: its NUTS/ITL code, else its postcode, else its town.

NUTS 2016 level-1 codes for the UK (UKC ... UKN) and the ITL codes that replaced them
(TLC ... TLN) share their letters; one letter names one ITL1 region.
"""

from __future__ import annotations

import re
from typing import Any

_REGION_OF_LETTER = {
    "C": "North East",
    "D": "North West",
    "E": "Yorkshire and The Humber",
    "F": "East Midlands",
    "G": "West Midlands",
    "H": "East of England",
    "I": "London",
    "J": "South East",
    "K": "South West",
    "L": "Wales",
    "M": "Scotland",
    "N": "Northern Ireland",
}
_CODE = re.compile(r"^\s*(?:UK|TL)([C-N])[0-9A-Z]{0,3}\s*$", re.IGNORECASE)


def region_for_code(code: str | None) -> str | None:
    """ITL1 region of a NUTS ("UKG31") or ITL ("TLG31") code; None for "UK" or others."""
    match = _CODE.match(code or "")
    return _REGION_OF_LETTER.get(match.group(1).upper()) if match else None


def region_for_address(address: dict[str, Any]) -> str | None:
    """Region from the code, then the postcode, then the locality through the gazetteer."""
    if not address:
        return None
    region = region_for_code(_s(address.get("region")))
    if region:
        return region
    from crawler.classify import region_for_postcode
    from crawler.classify.gazetteer import gazetteer

    postcode = _s(address.get("postalCode"))
    if postcode and (region := region_for_postcode(postcode)):
        return region
    for key in ("locality", "region"):
        name = _s(address.get(key))
        if name and (region := gazetteer().region_for_name(name)):
            return region
    return None


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
