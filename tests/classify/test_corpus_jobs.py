"""The classifiers on the real adverts in the shared corpus (NHS Jobs JSON-LD, Civil Service
Jobs pages, Jobs in Schools North East, school-trust ATS feeds, iTrent)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from w3lib.html import remove_tags

from crawler.classify import (
    ITL1_REGIONS,
    Pay,
    contract_type_for,
    parse_closing_date,
    parse_pay,
    regions_for,
    topics_for,
)

UK = ZoneInfo("Europe/London")

NHS_REGIONS = {
    "915390428": "East of England",  # ARLESEY, SG15 6SN
    "915703330": "West Midlands",  # Willenhall, West Midlands, WV13 3AG
    "915809698": "Wales",  # Cardiff, CF5 5AD
    "915809751": "Wales",
    "915857272": "East Midlands",  # Leicestershire, LE4 8PQ
    "915876706": "West Midlands",  # Birmingham, B7 4BN
    "915890207": "London",  # "UK Sites", EC3R 5AR: the address alone (as a job, national)
    "915891342": "North West",  # West Cumbria, CA28 7QE
    "915931156": "North East",  # The James Cook University Hospital, Middlesbrough, TS4 3BW
    "916234107": "Yorkshire and The Humber",  # Harrogate, HG1 2JL
}


def _address(posting: dict[str, Any]) -> dict[str, Any]:
    return posting["jobLocation"]["address"]


def _text(posting: dict[str, Any]) -> str:
    """Title and description as plain text (the description is entity-escaped HTML)."""
    return posting["title"] + "\n" + remove_tags(html.unescape(posting["description"]))


@pytest.mark.parametrize(("vacancy", "region"), sorted(NHS_REGIONS.items()))
def test_nhs_addresses(nhs_postings: dict, vacancy: str, region: str) -> None:
    posting = nhs_postings[vacancy]
    assert regions_for(_text(posting), _address(posting)) == [region]
    # the whole jobLocation Place works too
    assert regions_for(address=posting["jobLocation"]) == [region]


@pytest.mark.parametrize(("vacancy", "region"), sorted(NHS_REGIONS.items()))
def test_nhs_localities_without_postcode(nhs_postings: dict, vacancy: str, region: str) -> None:
    address = dict(_address(nhs_postings[vacancy]))
    del address["postalCode"]
    expected = [] if address["addressLocality"] == "UK Sites" else [region]
    assert regions_for(address=address) == expected


def test_nhs_uk_sites_posting_is_national(nhs_postings: dict) -> None:
    """915890207's jobLocation is "UK Sites" beside its office postcode (EC3R 5AR, London):
    through the crawl's pipelines the role is in every region, not London's alone."""
    from crawler.extract.jobs import posting_to_item
    from crawler.pipelines.classify import ClassifyPipeline
    from crawler.pipelines.normalise import NormalisePipeline

    item = posting_to_item(
        nhs_postings["915890207"], "https://www.jobs.nhs.uk/xi/vacancy/915890207"
    )
    for stage in (NormalisePipeline(), ClassifyPipeline(None)):
        item = stage.process_item(item)
    assert item["location"] == "UK Sites"
    assert item["regions"] == list(ITL1_REGIONS)


NHS_STRUCTURED_PAY = {
    "915390428": None,  # "negotiable"
    "915703330": Pay(27373, 34510, "year"),
    "915809698": Pay(28071, 33411, "year"),
    # hourly bank rates in the text beat the JSON-LD's annualised figures (x 1,681 h)
    "915809751": Pay(17.69, 20, "hour"),  # "£17.69 p/h £20 p/h" vs 29736-33620 a year
    "915857272": None,  # "Band 6"
    "915876706": Pay(14.91, 14.91, "hour"),  # "£14.91 per hour" vs 25063 a year
    "915890207": None,  # "Competitive rates (paid per session)"
    "915891342": Pay(85000, 85000, "year"),
    "915931156": None,  # "National Pay Scales Appy"
    "916234107": Pay(55000, 55000, "year"),
}
# What the free-text `value` alone says (e.g. a feed that drops minValue/maxValue).
NHS_TEXT_PAY = {
    "915390428": None,
    "915703330": Pay(27373.5, 34510, "year"),  # "£27,373.50 to £34,510 DOE (Preceptors £22,465)"
    "915809698": Pay(28071, 33411, "year"),  # "£28,071 - £33,411 &amp; £3000 Welcome Bonus"
    "915809751": Pay(17.69, 17.69, "hour"),  # "£17.69 p/h £20 p/h on Nights &amp; Weekends"
    "915857272": None,
    "915876706": Pay(14.91, 14.91, "hour"),  # "£14.91 per hour (inc.holiday pay) + enhancements"
    "915890207": None,
    "915891342": Pay(85000, 85000, "year"),  # "£85K per annum (wte)"
    "915931156": None,
    "916234107": Pay(55000, 55000, "year"),  # "Circa £55,000 per annum (pro rata)"
}


@pytest.mark.parametrize("vacancy", sorted(NHS_REGIONS))
def test_nhs_base_salary(nhs_postings: dict, vacancy: str) -> None:
    salary = nhs_postings[vacancy]["baseSalary"]
    assert parse_pay(salary) == NHS_STRUCTURED_PAY[vacancy]
    text_only = html.unescape(salary["value"]["value"])
    assert parse_pay(text_only) == NHS_TEXT_PAY[vacancy]


@pytest.mark.parametrize("vacancy", sorted(NHS_REGIONS))
def test_nhs_titles_are_not_pay(nhs_postings: dict, vacancy: str) -> None:
    # "RMN  £3,000 Welcome Bonus", "Staff Nurse RMN/RNLD - £3,000 Welcome to Priory Bonus"
    assert parse_pay(nhs_postings[vacancy]["title"]) is None


NHS_CONTRACT = {
    "915390428": None,  # Salaried GP, FULL_TIME
    "915857272": "fixed-term",  # Bank Physiotherapist, TEMPORARY
    # OTHER; "You will not be working in silo as it is normal with agency or locum staff"
    "915890207": None,
    "915891342": "permanent",  # "GP - Permanent or Salaried Vacancies"
    "915931156": "interim",  # "Locum Consultant Oncologist"
    "916234107": "interim",  # "Interim Clinical Manager", "*Interim position - 3 months*"
}


@pytest.mark.parametrize(("vacancy", "expected"), sorted(NHS_CONTRACT.items()))
def test_nhs_contract_type(nhs_postings: dict, vacancy: str, expected: str | None) -> None:
    posting = nhs_postings[vacancy]
    assert contract_type_for(_text(posting), posting["employmentType"]) == expected


@pytest.mark.parametrize("vacancy", sorted(NHS_REGIONS))
def test_nhs_valid_through(nhs_postings: dict, vacancy: str) -> None:
    raw = nhs_postings[vacancy]["validThrough"]
    expected = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    assert parse_closing_date(raw) == expected


def test_nhs_closing_date_phrase_matches_valid_through(nhs_postings: dict) -> None:
    posting = nhs_postings["915891342"]
    phrase = re.search(
        r"Closing date for applications: [^<&]+", html.unescape(posting["description"])
    )
    assert phrase and phrase.group(0) == "Closing date for applications: 31st March 2021"
    assert parse_closing_date(phrase.group(0)) == parse_closing_date(posting["validThrough"])


def test_nhs_topics(nhs_postings: dict) -> None:
    assert "recruitment" in topics_for(_text(nhs_postings["916234107"]))
    assert "public-health" in topics_for(_text(nhs_postings["916234107"]))  # "NHS", "mental health"
    assert "commissioning" in topics_for(_text(nhs_postings["915703330"]))  # "commissioners"


# --- Civil Service Jobs ------------------------------------------------------------------

_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th) (\w+) (\d{4})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2}) (am|pm)")


def _oracle_close(text: str) -> datetime:
    """Independent reading of "11:55 pm on Sunday 2nd July 2023" with strptime."""
    day, month, year = _DAY.search(text).groups()  # type: ignore[union-attr]
    hour, minute, half = _CLOCK.search(text).groups()  # type: ignore[union-attr]
    local = datetime.strptime(f"{day} {month} {year} {hour}:{minute} {half}", "%d %B %Y %I:%M %p")
    return local.replace(tzinfo=UK).astimezone(UTC)


def test_csj_every_listing_salary_and_closing_date(csj_results: list[dict]) -> None:
    for row in csj_results:
        numbers = [float(n.replace(",", "")) for n in re.findall(r"£([\d,]+)", row["salary"])]
        pay = parse_pay(row["salary"])
        assert pay is not None, row
        assert (pay.min, pay.max, pay.period) == (numbers[0], numbers[-1], "year"), row
        assert parse_closing_date(row["closes"]) == _oracle_close(row["closes"]), row


CSJ_LOCATIONS = {
    "Westminster": ["London"],
    "Dstl Porton Down, Salisbury - SP4 0JQ": ["South West"],
    "City of Westminster, London (region), SW1A 0AA": ["London"],
    "Darlington, London": ["North East", "London"],
    "Brighton, South East England, BN1 4DW": ["South East"],
    "Exeter, South West England, EX1 3PB": ["South West"],
    "Birmingham, Leeds, London": ["West Midlands", "Yorkshire and The Humber", "London"],
    "Coventry, West Midlands (England), CV4 7JJ": ["West Midlands"],
    "Croydon, Manchester or Sheffield": ["London", "North West", "Yorkshire and The Humber"],
    "Piccadilly Gate, Manchester; 23 Stephenson Street, Birmingham": [
        "North West",
        "West Midlands",
    ],
}


def test_csj_locations(csj_results: list[dict]) -> None:
    seen = {row["location"]: row for row in csj_results}
    for location, expected in CSJ_LOCATIONS.items():
        assert location in seen, location
        assert regions_for(address=location) == expected, location
        assert regions_for(location) == expected, location


def test_csj_national_roles_list_every_gb_region(csj_results: list[dict]) -> None:
    national = [r for r in csj_results if r["location"].startswith("East Midlands (England)")]
    assert len(national) >= 3
    for row in national:
        assert set(regions_for(address=row["location"])) == set(ITL1_REGIONS) - {"Northern Ireland"}


def test_csj_locations_written_as_sentences(csj_results: list[dict]) -> None:
    by_title = {row["title"]: row for row in csj_results}
    assert regions_for(by_title["UNIX Engineer"]["location"]) == ["Wales"]  # "based in Swansea"
    sentence = by_title["Senior IT Service Manager"]["location"]
    assert regions_for(sentence) == [
        "West Midlands",  # Birmingham
        "North West",  # Blackpool
        "Yorkshire and The Humber",  # Leeds (and Sheffield)
        "North East",  # Newcastle
    ]


def test_csj_locations_travelled_to_and_named_gardens(csj_results_page2: list[dict]) -> None:
    """Page 2's "Primarily based in Andover with some travel required to London or other
    locations ..." is Andover's region alone, and "Kew Gardens" is London's."""
    by_title = {row["title"]: row for row in csj_results_page2}
    andover = by_title["Army - Creative Content Team Leader"]["location"]
    assert andover.startswith("Primarily based in Andover with some travel required to London")
    assert regions_for(address=andover) == ["South East"]
    assert regions_for(andover) == ["South East"]
    kew = by_title["Membership Retention Manager"]["location"]
    assert kew == "Kew Gardens"
    assert regions_for(address=kew) == ["London"]


def test_csj_interim_title(csj_results: list[dict]) -> None:
    titles = [row["title"] for row in csj_results]
    interim = [t for t in titles if contract_type_for(t) == "interim"]
    assert interim == ["Interim Director of Finance - Corporate Services"]


def test_csj_detail_page(csj_detail: str) -> None:
    assert contract_type_for(csj_detail) == "fixed-term"  # "Contract type Fixed Term"
    assert regions_for(csj_detail)[0] == "London"  # Westminster
    apply_before = re.search(r"Apply before\s+[^\n]+2023", csj_detail)
    assert apply_before is not None
    assert parse_closing_date(apply_before.group(0)) == datetime(2023, 7, 2, 21, tzinfo=UTC)
    salary = re.search(r"Salary\s+(\S+)", csj_detail)
    assert salary is not None and parse_pay(salary.group(1)) == Pay(53730, 53730, "year")


# --- Jobs in Schools North East ---------------------------------------------------------


def test_school_advert(school_detail: str) -> None:
    # "Contractual Status: Permanent", "Location: North Tyneside", "Wallsend ... NE28 7TN"
    assert contract_type_for(school_detail) == "permanent"
    assert regions_for(school_detail) == ["North East"]
    location = re.search(r"Location:\s*(.+)", school_detail)
    assert location is not None and regions_for(address=location.group(1)) == ["North East"]
    # the only £ amount is "a SSIF bid of over £400,000": not pay; the salary is a scale
    assert "£400,000" in school_detail
    assert parse_pay(school_detail) is None
    closing = re.search(r"The closing date is\s+(.+?);", school_detail, re.S)
    assert closing is not None
    expected = datetime(2018, 3, 27, 9, 30, tzinfo=UK).astimezone(UTC)
    assert parse_closing_date(closing.group(0)) == expected


# --- ATS feeds and iTrent ------------------------------------------------------------------


def test_united_learning_feed(ats_vacancies: dict) -> None:
    item = ats_vacancies["united_learning_current-vacancies_feed"]
    assert parse_pay(item["Salary"]) is None  # "PT/EPT + TLR 2B"
    assert contract_type_for("", item["Contract_type"]) == "permanent"
    assert parse_closing_date(item["Expiry_date"]) == datetime(2042, 5, 15, 11, tzinfo=UTC)


def test_ventrus_feed(ats_vacancies: dict) -> None:
    item = ats_vacancies["ventrus_current-vacancies_feed_MALFORMED"]
    assert parse_pay(item["Salary"]) == Pay(21575, 22369, "year")
    assert regions_for(address=item["Job_Location"]) == ["South West"]  # "Barnstaple,_Devon"
    assert contract_type_for("", item["vContractType"]) == "permanent"
    assert parse_closing_date(item["Expiry_date"]) == datetime(2043, 9, 1, 11, tzinfo=UTC)


def test_vacancy_poster_feed(ats_vacancies: dict) -> None:
    item = ats_vacancies["vacancy_poster_ats_feed_no_rss_root"]
    assert parse_pay(item["salary"]) == Pay(80000, 80000, "year")
    assert contract_type_for(item["jobAdvert"], item["contractType"]) == "permanent"
    assert parse_closing_date(item["expiresAt"]) == datetime(2044, 6, 14, 23, tzinfo=UTC)


def test_ark_feed(ats_vacancies: dict) -> None:
    item = ats_vacancies["ark_engageats_vacancies_feed_MALFORMED"]
    assert regions_for(address=item["Location"]) == ["London"]
    assert contract_type_for("", item["Contract Type"]) == "fixed-term"
    assert parse_pay(item["salaryRangeFrom"]) == Pay(24454, 24454, "year")
    assert parse_closing_date(item["endDate"]) == datetime(2023, 10, 12, 11, tzinfo=UTC)


def test_itrent_requisition(itrent: dict) -> None:
    vacancy = itrent["vacancyptysrchs"]["vacancyptysrch"]
    assert parse_pay(vacancy["formattedsalarydescription"]) == Pay(24000, 30000, "year")
    assert regions_for(address=vacancy["location"]) == ["West Midlands"]
    assert contract_type_for("", vacancy["basis"]) is None  # "Full time" is hours, not tenure
    assert parse_closing_date(itrent["applicationclosingdate"]) == datetime(
        2023, 6, 30, 22, 59, 59, tzinfo=UTC
    )


def test_schemaorg_us_example(schemaorg_example: dict) -> None:
    # Kirkland, WA (USA): "WA" must not be read as the Warrington postcode area
    assert regions_for(address=schemaorg_example["jobLocation"]) == []
    assert contract_type_for("", schemaorg_example["employmentType"]) is None
