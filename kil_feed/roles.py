"""Role families of the niche, read from a job title: the one vocabulary of `kil market
--role`, `/market?role=` and the market figures.

The first family whose words occur in the title wins, most specific first: a "Category
Manager (Procurement)" is category management, a "Contract Manager - Commissioning" is
contract management, a "Commissioning and Procurement Lead" is commissioning.
"""

from __future__ import annotations

import re

from kil_feed.errors import ValidationError

OTHER = "other"

# (slug, label, words of a title as regular expressions), most specific first
_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("social-value", "Social value", (
        r"social\s+value", r"community\s+wealth", r"keep\s+it\s+local",
    )),
    ("category-management", "Category management", (
        r"category\s+(?:manager|management|lead|specialist|officer|director)",
    )),
    ("contract-management", "Contract management", (
        r"contracts?\s+(?:manager|management|officer|lead|monitoring|compliance|administrator)",
        r"supplier\s+(?:relationship|performance)\s+manage",
    )),
    ("commissioning", "Commissioning", (r"commissioner", r"commissioning")),
    ("procurement", "Procurement", (
        r"procurement", r"purchasing", r"buyer", r"sourcing", r"tender", r"commercial",
        r"supply\s+chain",
    )),
)  # fmt: skip
_COMPILED = tuple(
    (slug, re.compile(r"\b(?:" + "|".join(words) + ")", re.IGNORECASE))
    for slug, _, words in _FAMILIES
)
ROLE_FAMILIES: tuple[str, ...] = (*(slug for slug, _, _ in _FAMILIES), OTHER)
ROLE_LABELS: dict[str, str] = {slug: label for slug, label, _ in _FAMILIES} | {OTHER: "Other"}
_BY_KEY = {key: slug for slug, label in ROLE_LABELS.items() for key in (slug, label.casefold())}


def role_family(title: str | None) -> str:
    """The family slug of a job title ("other" when no family's words occur)."""
    for slug, pattern in _COMPILED:
        if title and pattern.search(title):
            return slug
    return OTHER


def canonical_role(name: str) -> str:
    """The family slug for a slug or label typed by a person, or a ValidationError."""
    slug = _BY_KEY.get(name.strip().casefold().replace("_", "-"))
    if slug is None:
        raise ValidationError(
            f"unknown role family {name!r}", hint="use one of: " + ", ".join(ROLE_FAMILIES)
        )
    return slug
