"""The gazetteer data: every pycountry GB subdivision mapped, postcode areas complete."""

from __future__ import annotations

import tomllib
from importlib import resources

import pycountry
import pytest

from crawler.classify import ITL1_REGIONS, region_for_postcode, regions_for
from crawler.classify.gazetteer import gazetteer, subdivision_names
from crawler.classify.triere import trie_pattern


def test_itl1_names_are_the_twelve_ons_names() -> None:
    assert len(ITL1_REGIONS) == len(set(ITL1_REGIONS)) == 12
    assert "Yorkshire and The Humber" in ITL1_REGIONS and "East of England" in ITL1_REGIONS


def test_every_pycountry_gb_subdivision_is_mapped_to_an_itl1_region() -> None:
    mapping = gazetteer().subdivisions
    subs = list(pycountry.subdivisions.get(country_code="GB"))
    assert len(subs) > 200
    for sub in subs:
        assert sub.code in mapping, f"{sub.code} {sub.name} is not mapped"
        if sub.code == "GB-ENG":
            assert mapping[sub.code] == ""  # England spans nine regions
        else:
            assert mapping[sub.code] in ITL1_REGIONS, sub.code
    assert set(mapping) == {s.code for s in subs}, "stale codes in subdivisions.toml"


def test_nations_children_follow_their_parent() -> None:
    mapping = gazetteer().subdivisions
    nation = {"GB-SCT": "Scotland", "GB-WLS": "Wales", "GB-NIR": "Northern Ireland"}
    for sub in pycountry.subdivisions.get(country_code="GB"):
        if sub.parent_code in nation:
            assert mapping[sub.code] == nation[sub.parent_code], sub.code


@pytest.mark.parametrize(
    ("pycountry_name", "spellings"),
    [
        ("Bristol, City of", {"Bristol", "City of Bristol"}),
        ("Durham, County", {"Durham", "County Durham"}),
        ("Vale of Glamorgan, The [Bro Morgannwg GB-BMG]", {"Vale of Glamorgan", "Bro Morgannwg"}),
        ("St. Helens", {"St. Helens", "St Helens"}),
        ("Glasgow City", {"Glasgow City", "Glasgow"}),
    ],
)
def test_subdivision_names_are_the_forms_people_write(
    pycountry_name: str, spellings: set[str]
) -> None:
    assert spellings <= set(subdivision_names(pycountry_name))


def test_every_subdivision_name_resolves_to_its_region_in_an_address() -> None:
    mapping = gazetteer().subdivisions
    for sub in pycountry.subdivisions.get(country_code="GB"):
        if mapping[sub.code]:
            name = subdivision_names(sub.name)[-1]
            assert regions_for(address={"addressLocality": name}) == [mapping[sub.code]], name


def test_postcode_areas_cover_the_uk_with_valid_regions() -> None:
    areas = gazetteer().postcode_areas
    assert 118 <= len(areas) <= 124
    assert set(areas.values()) == set(ITL1_REGIONS)
    with resources.files("crawler.classify").joinpath("places.toml").open("rb") as fh:
        places = tomllib.load(fh)
    for region in places["places"]:
        assert region in ITL1_REGIONS


@pytest.mark.parametrize(
    ("postcode", "region"),
    [
        ("M1 1AE", "North West"),
        ("SW1A 2AA", "London"),
        ("sw1a2aa", "London"),
        ("CF10 1EP", "Wales"),
        ("BT1 5GS", "Northern Ireland"),
        ("EH1 1YZ", "Scotland"),
        ("NE28", "North East"),
        ("B7 4BN", "West Midlands"),
        ("ZZ1 1ZZ", None),
        ("JE2 3AB", None),
        ("not a postcode", None),
    ],
)
def test_region_for_postcode(postcode: str, region: str | None) -> None:
    assert region_for_postcode(postcode) == region


def test_trie_pattern_prefers_longer_names() -> None:
    import re

    pattern = re.compile(rf"\b(?:{trie_pattern(['Newport', 'Newport Pagnell', 'New'])})\b")
    assert pattern.findall("Newport Pagnell, Newport, New, Newp") == [
        "Newport Pagnell",
        "Newport",
        "New",
    ]
