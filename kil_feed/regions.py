"""The ITL1 regions of the UK: the one vocabulary of item, source and subscriber regions.

Kept free of storage and SQLModel imports so the crawler's classifiers can use it too.
"""

from __future__ import annotations

from kil_feed.errors import ValidationError

ITL1_REGIONS: tuple[str, ...] = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
)
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
