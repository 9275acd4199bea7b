"""Which evidence wins when an advert's structured data and its words disagree (#16), on
real phrasing: NHS Jobs JSON-LD, the Independent's and the demo board's text, and the
place lists of the adverts quoted in the issue."""

from __future__ import annotations

import html

import pytest

from crawler.classify import Pay, parse_pay, prefer_stated, regions_for, regions_for_url
from crawler.classify.duration import duration_extra, duration_for, duration_months
from crawler.extract.jobs import posting_to_item
from crawler.extract.text import shorten


def _structured(posting: dict) -> Pay | None:
    salary = dict(posting["baseSalary"]["value"])
    salary.pop("value")  # the JSON-LD numbers alone
    return parse_pay({"currency": "GBP", **salary})


def _salary_text(posting: dict) -> str:
    return html.unescape(posting["baseSalary"]["value"]["value"])


def test_hourly_text_beats_annualised_jsonld(nhs_postings: dict) -> None:
    bank = nhs_postings["915809751"]  # "£17.69 p/h £20 p/h on Nights & Weekends"
    assert _structured(bank) == Pay(29736, 33620, "year")
    assert prefer_stated(_structured(bank), _salary_text(bank)) == Pay(17.69, 20, "hour")
    nurse = nhs_postings["915876706"]  # "£14.91 per hour (inc.holiday pay) + enhancements"
    assert prefer_stated(_structured(nurse), _salary_text(nurse)) == Pay(14.91, 14.91, "hour")


def test_hourly_figure_that_is_not_the_salary_annualised_is_ignored(nhs_postings: dict) -> None:
    # "Circa £55,000 per annum" with the bank nurse's "£14.91 per hour" elsewhere: 55,000 is
    # 3,689 hours of it, no annualisation, so the salary stands
    manager = nhs_postings["916234107"]
    text = "Bank shifts £14.91 per hour (inc.holiday pay) + enhancements"
    assert prefer_stated(_structured(manager), text) == Pay(55000, 55000, "year")


@pytest.mark.parametrize("vacancy", ["915703330", "915809698", "915891342", "916234107"])
def test_structured_kept_when_the_text_agrees(nhs_postings: dict, vacancy: str) -> None:
    posting = nhs_postings[vacancy]
    structured = _structured(posting)
    assert prefer_stated(structured, _salary_text(posting)) == structured


def test_wider_text_band_beats_a_cut_short_max_value(nhs_postings: dict) -> None:
    # the real text "£27,373.50 to £34,510 DOE (Preceptors £22,465)" against a JSON-LD whose
    # maxValue stops at the bottom of the band: the band the text shows wins, and the
    # preceptors' rate after it is another rate, not the band's floor
    posting = nhs_postings["915703330"]
    cut_short = Pay(27373, 27373, "year")
    assert prefer_stated(cut_short, _salary_text(posting)) == Pay(27373.5, 34510, "year")


def test_cardiff_cardiff_is_shown_once(nhs_postings: dict) -> None:
    posting = dict(nhs_postings["915809698"])
    address = {**posting["jobLocation"]["address"], "addressRegion": "Cardiff"}
    posting["jobLocation"] = {**posting["jobLocation"], "address": address}
    assert posting_to_item(posting, "https://www.jobs.nhs.uk/x")["location"] == "Cardiff"


def test_job_title_without_the_employer_appended(nhs_postings: dict) -> None:
    posting = dict(nhs_postings["915857272"])
    posting["title"] = "Band 6 Bank Physiotherapist | Leicestershire Partnership Trust"
    item = posting_to_item(posting, "https://www.jobs.nhs.uk/x")
    assert item["title"] == "Band 6 Bank Physiotherapist"
    # a title that merely contains a separator keeps it
    posting["title"] = "Staff Nurse RMN/RNLD - £3,000 Welcome to Priory Bonus"
    assert posting_to_item(posting, "u")["title"] == posting["title"]


def test_summary_never_ends_in_a_cut_labelled_value() -> None:
    # the demo board's adverts end with "Rate: £600 per day (Outside IR35)."; a summary cut
    # inside that label ends at the sentence before it instead
    text = (
        "Lead the council's move to the Procurement Act 2023 regime. Brief stakeholders and "
        "commissioners on the new notices and procedures. Deliver a handover pack to the "
        "permanent head of procurement. Rate: £600 per day (Outside IR35)."
    )
    short = shorten(text, len(text) - 12, whole_words=0.6, labels=True)  # as a summary is cut
    assert short.endswith("permanent head of procurement.")
    assert "Rate:" not in short


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the council named in a news body (the Independent, 2020-09-28)
        (
            "assisting with Birmingham City Council’s ‘Drop and Collect’ coronavirus test",
            ["West Midlands"],
        ),
        ("Hammersmith & Fulham Council", ["London"]),  # "&" for the gazetteer's "and"
        ("City of York Council", ["Yorkshire and The Humber"]),
    ],
)
def test_news_region_from_the_council_named(text: str, expected: list[str]) -> None:
    assert regions_for(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://example.org/news/city-of-york-council-approves-budget",
            ["Yorkshire and The Humber"],
        ),
        ("https://example.org/hammersmith-and-fulham-council-insources", ["London"]),
        # livemint's real URL: the GST Council is no UK authority
        (
            "https://www.livemint.com/news/india/gst-council-to-examine-legal-technical-aspects"
            "-of-e-invoice-for-b2b-sales-1559044729324.html",
            [],
        ),
        ("https://example.org/2024/bath-time-for-kids", []),  # no council word, no place
        # the word only once unescaped, or once urlsplit drops a tab: still found
        ("https://example.org/news/york-coun%63il-votes", ["Yorkshire and The Humber"]),
        ("https://example.org/news/York-Coun\tcil-votes", ["Yorkshire and The Humber"]),
        ("https://example.org/news/YORK-COUNCIL-VOTES", ["Yorkshire and The Humber"]),
        ("", []),
    ],
)
def test_news_region_from_a_council_in_the_url(url: str, expected: list[str]) -> None:
    assert regions_for_url(url) == expected


@pytest.mark.parametrize(
    ("text", "duration", "months"),
    [
        ("*Interim position - 3 months*", "3 months", 3),  # NHS Jobs 916234107
        # shown as a job board writes a length, in the plural (NHS Jobs 915931156)
        ("appoint a locum Consultant in GI oncology for an initial 6 month period", "6 months", 6),
        ("Interim Buyer, 6 mths contract", "6 months", 6),
        ("A 12 Week assignment", "12 weeks", 2.8),
        ("Cover for a one month assignment", "one month", 1),
        ("3-6 mth contract", "3–6 months", 3),
        ("Two years, with the possibility of extension or permanence", None, None),  # no tie
        ("30 days annual leave (increasing to 35 after one years’ service)", None, None),
        # labelled lengths and "initial N months", whatever word follows
        ("Start: ASAP | Duration: 6 months | Rate: £550 per day", "6 months", 6),
        ("Contract length: 3 months (likely to extend)", "3 months", 3),
        ("Interim Head of Commercial. Initial 6 months, outside IR35", "6 months", 6),
        ("Interim, initially 12 weeks", "12 weeks", 2.8),
        ("During the initial 6 months you will complete an induction", None, None),
        ("Duration: permanent", None, None),
        # an end date with its day, or "until the end of"
        ("Fixed term until 31 March 2027", "until 31 March 2027", None),
        ("Secondment until the end of March 2027", "until March 2027", None),
        # a range is kept whole, shown as a job board shows it; its months are the shortest
        ("3-6 month contract, outside IR35", "3–6 months", 3),
        ("Interim role for 3 to 6 months", "3–6 months", 3),
        ("Duration: 6-12 months", "6–12 months", 6),
        ("Initial 6 – 9 months with a view to extend", "6–9 months", 6),
        ("Contract length: three to six months", "three–six months", 3),
        ("3-6 months' notice", None, None),  # still no engagement word
        ("A 6+ months contract", "6+ months", 6),  # at least six
    ],
)
def test_duration(text: str, duration: str | None, months: float | None) -> None:
    assert duration_for(text) == duration
    assert duration_months(duration) == months


@pytest.mark.parametrize(
    ("duration", "stored"),
    [
        ("3–6 months", {"duration_months": 3, "duration_months_max": 6}),
        ("6-12 months", {"duration_months": 6, "duration_months_max": 12}),  # a label as typed
        ("12 to 18 weeks", {"duration_months": 2.8, "duration_months_max": 4.2}),
        ("6 months", {"duration_months": 6}),
        ("until March 2027", {}),
        (None, {}),
    ],
)
def test_duration_extra(duration: str | None, stored: dict[str, float]) -> None:
    assert duration_extra(duration) == stored
