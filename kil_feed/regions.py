"""The ITL1 regions of the UK: the one vocabulary of item, source and subscriber regions.

The names are declared with the crawl's records (`crawler.records`), whose classifiers
produce them; this module validates what people type against them.
"""

from __future__ import annotations

from crawler.records import ITL1_REGIONS
from kil_feed.errors import ValidationError

__all__ = ["ITL1_REGIONS", "canonical_region", "is_region"]
_REGION_BY_KEY = {r.casefold(): r for r in ITL1_REGIONS}


def is_region(name: str) -> bool:
    """Whether `name` is an ITL1 name spelled exactly."""
    return name in ITL1_REGIONS


def canonical_region(name: str) -> str:
    """The ITL1 name for `name` (case-insensitive), or a ValidationError listing them."""
    region = _REGION_BY_KEY.get(name.strip().casefold())
    if region is None:
        raise ValidationError(
            f"unknown region {name!r}", hint="use an ITL1 name: " + ", ".join(ITL1_REGIONS)
        )
    return region
