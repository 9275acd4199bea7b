"""Job feeds: a vacancy's own elements (salary, location, closing date, contract) reach the
job item and its classifiers, on the corpus's real ATS feeds and an agency feed's phrasing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract.feed import parse_feed
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline


def _jobs(body: bytes) -> list[dict[str, Any]]:
    """The feed's entries as the jobs spider yields them, after the pipelines."""
    items = []
    for entry in parse_feed(body, "https://ats.example/feed", jobs=True).entries:
        item = {**entry, "kind": "job", "collected_at": datetime(2023, 5, 1, tzinfo=UTC)}
        for stage in (ValidatePipeline(), NormalisePipeline(), ClassifyPipeline(None)):
            item = stage.process_item(item)
        items.append(item)
    return items


@pytest.mark.parametrize(
    ("name", "pay", "regions", "contract", "closes"),
    [
        # <Salary>£21,575 - £22,369</Salary>, <Job_Location>Barnstaple,_Devon</Job_Location>
        (
            "ventrus_current-vacancies_feed_MALFORMED.xml",
            (21575, 22369, "year"),
            ["South West"],
            "permanent",
            "2043-09-01",
        ),
        # <engAts:salaryRangeFrom>£24,454</...>, <category domain="Location">London</category>
        (
            "ark_engageats_vacancies_feed_MALFORMED.xml",
            (24454, 24454, "year"),
            ["London"],
            "fixed-term",
            "2023-10-12",
        ),
        # no <rss> root and no <link>: <advertUrl>www.company.com/jobs/12345...</advertUrl>
        (
            "vacancy_poster_ats_feed_no_rss_root.xml",
            (80000, 80000, "year"),
            [],
            "permanent",
            "2044-06-14",
        ),
        # <contractType>parental_leave_cover</contractType>: a fixed-term cover post; its
        # "£50879 - £85262 per week" (£2.6m-£4.4m a year) is no salary a school pays
        ("broadbean_feed_escaped_quotes_in_xml_decl.xml", None, [], "fixed-term", "2042-08-23"),
        # <Salary>PT/EPT + TLR 2B</Salary>: pay scales, no figure
        ("united_learning_current-vacancies_feed.xml", None, [], "permanent", "2042-05-15"),
    ],
)
def test_ats_feed_fields(
    corpus_dir: Path,
    name: str,
    pay: tuple[float, float, str] | None,
    regions: list[str],
    contract: str,
    closes: str,
) -> None:
    (job,) = _jobs((corpus_dir / "jobs" / name).read_bytes())
    got_pay = (job["pay_min"], job["pay_max"], job["pay_period"]) if "pay_min" in job else None
    assert got_pay == pay
    assert job["regions"] == regions
    assert job["contract_type"] == contract
    assert job["closes_at"].date().isoformat() == closes


def test_vacancy_poster_feed_keeps_its_advert_url(corpus_dir: Path) -> None:
    (job,) = _jobs((corpus_dir / "jobs" / "vacancy_poster_ats_feed_no_rss_root.xml").read_bytes())
    assert job["url"].startswith("https://www.company.com/jobs/12345")
    assert job["title"] == "Test Post"
    assert "Castle Wood" in job["_text"]


def test_current_vacancies_advert_text_is_unescaped_once(corpus_dir: Path) -> None:
    (job,) = _jobs(
        (corpus_dir / "jobs" / "ventrus_current-vacancies_feed_MALFORMED.xml").read_bytes()
    )
    assert job["_text"] == "This is a random advert text with HTML"


# An agency feed in the shape job boards export (test input, not a corpus document).
AGENCY_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:job="https://jobs.example/ns">
  <channel><title>Agency roles</title><link>https://jobs.example/</link>
    <item>
      <title>Category Manager</title>
      <link>https://jobs.example/roles/1</link>
      <description>Our client needs a category manager for six councils.</description>
      <job:salary>&#163;450 - &#163;550 per day</job:salary>
      <job:location>Hybrid - Leeds</job:location>
      <job:closingDate>2023-06-30</job:closingDate>
      <job:contractType>Contract</job:contractType>
      <job:ir35>Outside IR35</job:ir35>
      <job:duration>6 months</job:duration>
    </item>
    <item>
      <title>Procurement Officer</title>
      <link>https://jobs.example/roles/2</link>
      <description>Maternity cover.</description>
      <category domain="Location">Maidstone, Kent</category>
      <category domain="Contract Type">Fixed Term</category>
      <job:salaryFrom>&#163;32,000</job:salaryFrom>
      <job:salaryTo>&#163;36,000</job:salaryTo>
    </item>
  </channel>
</rss>"""


def test_agency_feed_fields() -> None:
    first, second = _jobs(AGENCY_FEED)
    assert (first["pay_min"], first["pay_max"], first["pay_period"]) == (450, 550, "day")
    assert first["regions"] == ["Yorkshire and The Humber"]
    assert first["contract_type"] == "contract"
    assert first["closes_at"].date().isoformat() == "2023-06-30"
    assert first["ir35"] == "outside"  # <job:ir35>, shown with the advert
    assert first["extra"]["duration_months"] == 6
    assert (second["pay_min"], second["pay_max"], second["pay_period"]) == (32000, 36000, "year")
    assert second["regions"] == ["South East"]
    assert second["contract_type"] == "fixed-term"


def test_news_feeds_get_no_job_fields() -> None:
    (entry, _) = parse_feed(AGENCY_FEED, "https://jobs.example/feed").entries
    assert not {"base_salary", "location", "valid_through"} & set(entry)


# Closing dates stated only in an entry's description (test input, not a corpus document).
PROSE_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:job="https://jobs.example/ns">
  <channel><title>Agency roles</title><link>https://jobs.example/</link>
    <item>
      <title>Category Manager (Fixed Term)</title>
      <link>https://jobs.example/roles/3</link>
      <description>12 month FTC in Manchester. Closing date: 15/01/2027. Apply now.</description>
    </item>
    <item>
      <title>Procurement Business Partner</title>
      <link>https://jobs.example/roles/4</link>
      <description>Permanent. Applications close at 23:55 on 15 January 2027.</description>
      <job:closingDate>2027-02-01</job:closingDate>
    </item>
  </channel>
</rss>"""


def test_closing_date_in_the_description() -> None:
    first, second = _jobs(PROSE_FEED)
    assert first["closes_at"] == datetime(2027, 1, 15, 23, 59, 59, tzinfo=UTC)
    # the entry's own closing-date element beats its prose
    assert second["closes_at"].date().isoformat() == "2027-02-01"


def test_a_closing_phrase_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classify pipeline finds the phrase and keeps the date it read: the date parser
    (the costly part, dateparser) runs once for it, not again on the phrase it returned."""
    import crawler.classify.dates as dates

    calls: list[str] = []
    real = dates.parse_free_date

    def counting(text: str, settings: dict[str, Any]) -> datetime | None:
        calls.append(text)
        return real(text, settings)

    monkeypatch.setattr(dates, "parse_free_date", counting)
    first, _ = _jobs(PROSE_FEED)
    assert first["closes_at"] == datetime(2027, 1, 15, 23, 59, 59, tzinfo=UTC)
    assert len(calls) == 1, calls
