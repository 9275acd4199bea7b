"""The intermediary in a notice's buyer place (`published_by`) and the buyer beside it, on
variants of one real Contracts Finder release (Barnsley's domestic abuse services award,
2025-01-23, published through EU Supply's one account: CF_2025 in the corpus). Each variant
moves the account between the buyer reference, the procuring entity and the parties, as
publishers do; the buyer and the intermediary are read from one walk of those places."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from crawler.ocds import notice_fields

EU_SUPPLY = "EU SUPPLY LIMITED"  # the account's name, its id ACCOUNT
ACCOUNT, COUNCIL = "GB-SRS-sid4gov.cabinetoffice.gov.uk/rFBk7FPE", "Barnsley MBC"


@pytest.fixture(scope="module")
def release(corpus_dir: Path) -> dict[str, Any]:
    """Barnsley's award as Contracts Finder published it (the account as buyer, no other)."""
    ocds = corpus_dir / "ocds" / "contractsfinder_2025-01-23_ocds_search_100_releases.json"
    releases = json.loads(ocds.read_text("utf-8"))["releases"]
    return next(r for r in releases if r["ocid"].endswith("cfc38479-88fa-41f2-808d-d1154776ded1"))


def _fields(release: dict[str, Any], change) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variant = copy.deepcopy(release)
    change(variant)
    return dict(notice_fields(variant, []))


def _account(variant: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in variant["parties"] if p["id"] == ACCOUNT)


def test_as_published_the_account_is_the_intermediary_and_no_buyer(release) -> None:  # type: ignore[no-untyped-def]
    fields = _fields(release, lambda r: None)
    assert fields["buyer"] is None and fields["published_by"] == EU_SUPPLY


def test_a_party_named_otherwise_than_its_reference(release) -> None:  # type: ignore[no-untyped-def]
    def council_party(r: dict[str, Any]) -> None:  # the reference still names the account
        _account(r)["name"] = COUNCIL

    fields = _fields(release, council_party)
    assert fields["buyer"]["name"] == COUNCIL and fields["published_by"] == EU_SUPPLY

    def council_reference(r: dict[str, Any]) -> None:  # the party is the account
        r["buyer"]["name"] = COUNCIL

    fields = _fields(release, council_reference)
    assert fields["published_by"] == EU_SUPPLY
    assert EU_SUPPLY not in str(fields["buyer"])

    def without_roles(r: dict[str, Any]) -> None:  # the account found by buyer.id alone
        council_reference(r)
        _account(r)["roles"] = []

    fields = _fields(release, without_roles)
    assert fields["published_by"] == EU_SUPPLY
    assert EU_SUPPLY not in str(fields["buyer"])


def test_the_account_as_buyer_with_a_real_procuring_entity(release) -> None:  # type: ignore[no-untyped-def]
    def procuring_council(r: dict[str, Any]) -> None:
        r["tender"]["procuringEntity"] = {"id": "GB-CFS-1", "name": COUNCIL}
        r["parties"].append({"id": "GB-CFS-1", "name": COUNCIL, "roles": ["procuringEntity"],
                             "address": {"postalCode": "S70 2TA"}})  # fmt: skip

    fields = _fields(release, procuring_council)
    assert fields["buyer"] == {"name": COUNCIL, "scheme": None, "identifier": "GB-CFS-1"}
    assert fields["published_by"] == EU_SUPPLY


def test_the_account_only_among_the_parties(release) -> None:  # type: ignore[no-untyped-def]
    def no_reference(r: dict[str, Any]) -> None:
        del r["buyer"]

    fields = _fields(release, no_reference)
    assert fields["buyer"] is None and fields["published_by"] == EU_SUPPLY
    assert fields["region"] == "Yorkshire and The Humber"  # the account's address: S70

    def as_supplier_only(r: dict[str, Any]) -> None:  # in the parties, not the buyer's place
        no_reference(r)
        _account(r)["roles"] = ["supplier"]

    assert _fields(release, as_supplier_only)["published_by"] is None


def test_no_buyer_at_all(release) -> None:  # type: ignore[no-untyped-def]
    def nobody(r: dict[str, Any]) -> None:
        del r["buyer"]
        r["parties"] = [p for p in r["parties"] if p["id"] != ACCOUNT]

    fields = _fields(release, nobody)
    assert fields["buyer"] is None and fields["published_by"] is None
    assert fields["buyer_type"] is None
