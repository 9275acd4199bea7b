"""The role family of a job title."""

from __future__ import annotations

import pytest

from kil_feed.errors import ValidationError
from kil_feed.roles import ROLE_FAMILIES, canonical_role, role_family


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Interim Head of Procurement", "procurement"),
        ("Senior Buyer", "procurement"),
        ("Strategic Sourcing Lead", "procurement"),
        ("Commercial Manager - Highways", "procurement"),
        ("Category Manager (Procurement)", "category-management"),
        ("Contract Manager - Commissioning", "contract-management"),
        ("Contracts Officer", "contract-management"),
        ("Supplier Relationship Manager", "contract-management"),
        ("Commissioning and Procurement Lead", "commissioning"),
        ("Senior Commissioner, Adult Social Care", "commissioning"),
        ("Social Value Officer", "social-value"),
        ("Community Wealth Building Lead", "social-value"),
        ("Finance Business Partner", "other"),
        ("", "other"),
        (None, "other"),
    ],
)
def test_role_family(title: str | None, family: str) -> None:
    assert role_family(title) == family


def test_canonical_role() -> None:
    assert canonical_role("Category Management") == "category-management"
    assert canonical_role(" social_value ") == "social-value"
    assert set(ROLE_FAMILIES) >= {"procurement", "commissioning", "other"}
    with pytest.raises(ValidationError, match="unknown role family 'plumbing'"):
        canonical_role("plumbing")
