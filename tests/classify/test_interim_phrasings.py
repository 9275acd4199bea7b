"""Phrasings common in UK interim procurement adverts, read as a recruiter reads them.

Every string here is written for the test (synthetic), not taken from a real advert.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.classify import (
    ITL1_REGIONS,
    Pay,
    contract_type_for,
    ir35_for,
    job_regions,
    parse_closing_date,
    parse_pay,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a benefit named after the salary is not the salary itself
        ("Salary: £40k-£45k plus car allowance", Pay(40000, 45000, "year")),
        ("£45,000 plus bonus", Pay(45000, 45000, "year")),
        ("£52,000 with car allowance", Pay(52000, 52000, "year")),
        ("£48,000 + annual bonus", Pay(48000, 48000, "year")),
        # ...but a figure that is the allowance or bonus still is not pay
        ("£5,000 relocation allowance", None),
        ("£3,000 welcome bonus", None),
        ("a car allowance of £5,000", None),
    ],
)
def test_pay_before_a_named_benefit(text: str, expected: Pay | None) -> None:
    assert parse_pay(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is a permanent role, not interim", "permanent"),
        ("Permanent (not an interim position)", "permanent"),
        ("Unlike agency or locum staff, you join a permanent team", "permanent"),
        ("Rather than an interim, we want a permanent Head of Procurement", "permanent"),
        ("You will not be working in silo as is normal with agency or locum staff.", None),
        # the negation belongs to another sentence: the role is still interim
        ("No agencies please. Interim Category Manager, 6 months", "interim"),
        ("Interim Head of Procurement - not a permanent role", "interim"),
        # a school-trust ATS value and the Civil Service Jobs "Loan" contract type
        ("Contract type: parental_leave_cover", "fixed-term"),
        ("Parental leave cover for our Procurement Officer", "fixed-term"),
        ("Adoption leave cover, 9 months", "fixed-term"),
        ("Contract type: Loan", "fixed-term"),
    ],
)
def test_contract_type_phrasings(text: str, expected: str | None) -> None:
    assert contract_type_for(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the off-payroll rules' own term for inside IR35
        ("This engagement is deemed employment", "inside"),
        ("Status: deemed employment (off-payroll rules apply)", "inside"),
        ("This engagement is not deemed employment", "outside"),
        ("If the role is deemed employment you will be paid via PAYE", None),
        ("IR35 deemed outside", "outside"),
        # a bare status right after a day or hourly rate
        ("Rate: £500 per day (Inside)", "inside"),
        ("£550/day (outside)", "outside"),
        ("£600 p/d Outside", "outside"),
        ("£550pd Outside", "outside"),
        ("£65 per hour - inside", "inside"),
        # "outside" naming a place is not an IR35 status
        ("£500 per day (outside London)", None),
        ("£450 per day, inside the M25", None),
        ("IR35: out of scope", "outside"),
        # a status the advert says is not on offer is the other one
        ("Outside IR35 is not available for this role", "inside"),
        ("Please note outside IR35 isn't an option: umbrella only", "inside"),
        ("Inside IR35 is not possible here", "outside"),
        ("Outside IR35 is not negotiable", "outside"),  # not on offer: no such words
    ],
)
def test_ir35_phrasings(text: str, expected: str | None) -> None:
    assert ir35_for(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "£500+" is a floor: 500 or more
        ("£500+ per day", Pay(500, None, "day")),
        ("£60k+ plus benefits", Pay(60000, None, "year")),
        # a space before "+" adds something else to the figure
        ("£45,000 + benefits", Pay(45000, 45000, "year")),
        ("£500 - £550+ per day", Pay(500, 550, "day")),
    ],
)
def test_pay_floor(text: str, expected: Pay) -> None:
    assert parse_pay(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Position type: Contract", "contract"),
        ("Assignment type: Contract", "contract"),
        ("Engagement type: Contract", "contract"),
    ],
)
def test_contract_type_labels(text: str, expected: str) -> None:
    assert contract_type_for(text) == expected


ALL_UK = list(ITL1_REGIONS)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        # a place whose name starts with "Home" is no home-based role
        ("Home Counties", []),
        ("Home Office", []),
        ("Home based", ALL_UK),
        # Northern Ireland's counties and the Scottish Highlands
        ("County Antrim", ["Northern Ireland"]),
        ("Co. Antrim", ["Northern Ireland"]),
        ("County Tyrone", ["Northern Ireland"]),
        ("Scottish Highlands", ["Scotland"]),
        ("Thames Valley", ["South East"]),
    ],
)
def test_location_regions(location: str, expected: list[str]) -> None:
    assert job_regions(f"Location: {location}", None, location=location) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Closing: 15 January 2027", datetime(2027, 1, 15, 23, 59, 59, tzinfo=UTC)),
        ("Closing: 23:55 on 15 January 2027", datetime(2027, 1, 15, 23, 55, tzinfo=UTC)),
    ],
)
def test_closing_label(text: str, expected: datetime) -> None:
    assert parse_closing_date(text) == expected


GREAT_BRITAIN = [r for r in ALL_UK if r != "Northern Ireland"]
ENGLAND = [r for r in ALL_UK if r not in ("Wales", "Scotland", "Northern Ireland")]


@pytest.mark.parametrize(
    ("location", "text", "expected"),
    [
        # Great Britain is England, Scotland and Wales: no Northern Ireland
        ("Across GB", "Our client, a housing association, needs a category lead.", GREAT_BRITAIN),
        (None, "Location: across Great Britain. A council client.", GREAT_BRITAIN),
        (None, "This is a GB-wide role for a utilities client.", GREAT_BRITAIN),
        ("Remote (GB)", "Our client, a London borough.", GREAT_BRITAIN),
        (None, "Remote, across GB. Our client is a water company.", GREAT_BRITAIN),
        (None, "Remote - anywhere in Great Britain and Northern Ireland.", ALL_UK),
        ("Home based", "Applicants can be based anywhere in Great Britain.", GREAT_BRITAIN),
        ("Various sites across GB", "Head office: London EC3R 5AR.", GREAT_BRITAIN),
        # England is its nine regions
        (None, "An England-wide role: our client is a national health body.", ENGLAND),
        ("Across England", "Our client, an arm's-length body.", ENGLAND),
        ("Remote - England", "Our client, a Leeds council.", ENGLAND),
        ("Multiple locations across England", "Head office: Leeds LS1 4DY.", ENGLAND),
        # the UK, and nationwide, are every region
        (None, "UK-wide role. Our client is a London borough.", ALL_UK),
        ("Nationwide", "Our client, a Leeds council.", ALL_UK),
        ("Fully remote", "Our client covers Great Britain and Northern Ireland.", ALL_UK),
    ],
)
def test_national_roles_are_in_the_nations_they_name(
    location: str | None, text: str, expected: list[str]
) -> None:
    assert job_regions(text, None, location=location) == expected
