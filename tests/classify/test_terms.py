"""Contract type and IR35 status."""

from __future__ import annotations

import pytest

from crawler.classify import CONTRACT_TYPES, contract_type_for, ir35_for


@pytest.mark.parametrize(
    ("text", "employment_type", "expected"),
    [
        ("Interim Head of Procurement", None, "interim"),
        ("Locum Consultant Oncologist", "FULL_TIME", "interim"),
        ("Fixed-term contract (12 months)", None, "fixed-term"),
        ("Fixed term, 6 months", None, "fixed-term"),
        ("Maternity cover for our Category Manager", None, "fixed-term"),
        ("Permanent", None, "permanent"),
        ("Procurement Officer - permanent, full time", None, "permanent"),
        ("6 month contract at £550 per day", None, "contract"),
        ("Initial 3-month contract, outside IR35", None, "contract"),
        ("Freelance bid writer", None, "contract"),
        ("Contract type: Contract", None, "contract"),
        ("Contractual Status:\n    Permanent", None, "permanent"),
        # a labelled field beats other words
        ("Contract type: Permanent. Experience of interim management welcome.", None, "permanent"),
        # job titles with "contract" in them say nothing about tenure
        ("Contract Manager - Procurement", "FULL_TIME", None),
        ("Contracts and Commercial Lead", None, None),
        ("Office of the Permanent Secretary", None, None),
        # employmentType beats loose words: the demo board's "Procurement Act 2023
        # Implementation Lead" (CONTRACTOR) hands over "to the permanent head of procurement"
        ("Deliver a handover pack to the permanent head of procurement.", "CONTRACTOR", "contract"),
        # ... but not an explicit label, nor the niche's own word
        ("Contract type: Permanent", "CONTRACTOR", "permanent"),
        ("Locum Consultant Oncologist", "TEMPORARY", "interim"),
        # FULL_TIME says nothing of tenure: the prose decides
        ("We are looking for permanent GP's", "FULL_TIME", "permanent"),
        # employmentType when the text is silent
        ("", "CONTRACTOR", "contract"),
        ("", "TEMPORARY", "fixed-term"),
        ("", ["FULL_TIME", "TEMPORARY"], "fixed-term"),
        ("", "FULL_TIME, CONTRACTOR", "contract"),
        ("", "permanent", "permanent"),
        ("", "fixed_term", "fixed-term"),
        # a labelled length is a contract (as "6 month contract" is), of the kind the
        # label itself names ("Fixed-term contract: 12 months"); synthetic phrasings
        ("Contract: 6 months", None, "contract"),
        ("Contract - 6 months", None, "contract"),
        ("Contract: 6-12 months", None, "contract"),
        ("Contract: initial 6 months, likely to extend", None, "contract"),
        ("Contract length: 12 weeks", None, "contract"),
        ("Length of contract: 3 months", None, "contract"),
        ("Duration: 6 months contract", None, "contract"),
        ("6-month contract", None, "contract"),
        ("Fixed term: 12 months", None, "fixed-term"),
        ("Contract: 12 months fixed term", None, "fixed-term"),
        ("Contract: 6 months maternity cover", None, "fixed-term"),
        ("Fixed-term contract: 12 months", None, "fixed-term"),
        ("Temporary contract - 6 months", None, "fixed-term"),
        ("Interim contract: 6 months", None, "interim"),
        ("Contract: 6 months", "PERMANENT", "contract"),
        # a labelled value that is neither a length nor a kind says nothing
        ("Contract: Full time, 37 hours", None, None),
        ("Contract: 37 hours per week", None, None),
        # a labelled duration in months or weeks is a contract too, unless the advert says
        # what else it is (synthetic phrasings)
        ("Duration: 6 months", None, "contract"),
        ("Duration: 12 weeks", None, "contract"),
        ("Duration - 3-6 months\nRate: £450 per day", None, "contract"),
        ("Project duration: initial 6 months, likely to extend", None, "contract"),
        ("Duration: 6 months", "FULL_TIME", "contract"),
        ("Duration: 6 months", "PERMANENT", "permanent"),
        ("Duration: 6 months, temporary", None, "fixed-term"),
        ("Permanent, full time. Probation duration: 6 months", None, "permanent"),
        ("Duration: 37 hours per week", None, None),
        ("Full time. Probationary duration: 6 months", None, None),
        ("Apprenticeship duration: 18 months", None, None),
        ("", "Full-time", None),
        ("", None, None),
    ],
)
def test_contract_type(text: str, employment_type: object, expected: str | None) -> None:
    got = contract_type_for(text, employment_type)  # type: ignore[arg-type]
    assert got == expected
    assert got is None or got in CONTRACT_TYPES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Inside IR35", "inside"),
        ("This role is outside of IR35.", "outside"),
        ("IR35: outside", "outside"),
        ("IR35 status: inside", "inside"),
        ("IR35 determination - Outside", "outside"),
        ("£600 per day (Outside-IR35)", "outside"),
        ("Inside or outside IR35 to be confirmed", None),
        ("IR35 status to be confirmed", None),
        ("Working inside the team, outside the office", None),
        # both statuses named as alternatives: undetermined
        ("Inside & outside IR35 roles available", None),
        ("Inside/Outside IR35 (TBC)", None),
        # negations and the other ways of saying it
        ("This role does not fall inside IR35", "outside"),
        ("Not inside IR35 - Ltd company contractors welcome", "outside"),
        ("This role falls within IR35 (umbrella or PAYE)", "inside"),
        ("The role has been determined as within the scope of IR35", "inside"),
        ("This role is caught by IR35", "inside"),
        ("This role isn't caught by IR35", "outside"),
        ("Outwith IR35", "outside"),
        ("Out of scope of IR35", "outside"),
        # "within" and "caught by" without a verb stating a status say nothing
        ("If you are caught by IR35 your take-home pay falls", None),
        ("We work within IR35 rules at all times", None),
        # a status still to be confirmed is no determination
        ("Outside IR35 (TBC)", None),
        ("IR35 status TBC", None),
        ("IR35: to be confirmed", None),
        ("IR35 determination pending", None),
        ("IR35 - Outside (provisional). Start ASAP", None),
        ("Pending IR35 determination", None),
        ("Likely to be outside IR35", None),
        ("Inside IR35, start ASAP, duration TBC", "inside"),  # the TBC is not the status's
        ("IR35: Inside. Start date TBC", "inside"),
        # pay through an umbrella or PAYE only, no status stated: inside, as contractors read it
        ("Umbrella / PAYE only", "inside"),
        ("Paid weekly via umbrella.", "inside"),
        ("PAYE through an umbrella company", "inside"),
        ("£550 per day (Umbrella)", "inside"),
        ("Rate: £450 per day, PAYE or umbrella", "inside"),
        ("Acme Ltd are recruiting. Paid via an approved umbrella", "inside"),
        ("Inside IR35 via umbrella", "inside"),
        ("Outside IR35 - paid via umbrella or Ltd", "outside"),  # the stated status wins
        ("Via umbrella or limited company", None),  # a Ltd route beside it: no reading
        ("Umbrella/PAYE/Ltd", None),
        ("Umbrella company fees may apply", None),  # a fee named is not the pay route
        ("", None),
    ],
)
def test_ir35(text: str, expected: str | None) -> None:
    assert ir35_for(text) == expected
