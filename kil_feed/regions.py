"""The ITL1 regions of the UK: the one vocabulary of item, source and subscriber regions.

The names are declared with the crawl's records (`crawler.records`), whose classifiers
produce them; this module validates what people type against them.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.records import ITL1_REGIONS
from kil_feed.errors import ValidationError

__all__ = [
    "ITL1_REGIONS",
    "UK_WIDE",
    "canonical_region",
    "is_region",
    "is_uk_wide",
    "regions_label",
]
UK_WIDE = "UK-wide"  # how a job in every region (remote, nationwide) is shown
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


def is_uk_wide(regions: Iterable[str] | None) -> bool:
    """Whether `regions` holds every ITL1 region: a remote or nationwide job."""
    return set(ITL1_REGIONS) <= set(regions or ())


def regions_label(regions: Iterable[str] | None) -> str:
    """Regions as people read them (email, web, CLI): "UK-wide" for all of them, else the
    names joined ("London, South East")."""
    names = list(regions or ())
    return UK_WIDE if is_uk_wide(names) else ", ".join(names)
