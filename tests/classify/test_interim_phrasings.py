"""Phrasings common in UK interim procurement adverts, read as a recruiter reads them.

Every string here is written for the test (synthetic), not taken from a real advert.
"""

from __future__ import annotations

import pytest

from crawler.classify import Pay, contract_type_for, ir35_for, parse_pay


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
    ],
)
def test_ir35_phrasings(text: str, expected: str | None) -> None:
    assert ir35_for(text) == expected
