"""Welsh dates (Sell2Wales, Welsh councils' bilingual pages) are read as well as English
ones, in one crawl of a feed and a job page (the feed dated in the past: a date later than
the crawl is estimated). The Welsh strings are constructed here as test inputs ("5 Rhagfyr
2026" is 5 December 2026), not quoted from real documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.classify import parse_closing_date
from crawler.normal import date_languages, parse_date
from tests.support.crawl import add_source, crawl, items_of

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Newyddion y Cyngor</title>
<link>http://example.org/cy/</link><description>d</description>
<item><title>Cyngor yn dyfarnu contract cynnal a chadw priffyrdd</title>
<link>http://example.org/cy/newyddion/1</link><pubDate>1 Rhagfyr 2026 10:30</pubDate>
<description>Contract newydd.</description></item>
<item><title>Council awards highways maintenance contract</title>
<link>http://example.org/en/news/1</link><pubDate>1 December 2026 10:30</pubDate>
<description>A new contract.</description></item></channel></rss>"""

JOB_PAGE = """<html lang="cy"><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "JobPosting", "title": "Pennaeth Caffael Dros Dro",
 "description": "<p>Interim Head of Procurement, 6 months, £600 per day.</p>",
 "validThrough": "Dydd Gwener 5ed Mawrth 2027 am 12:00",
 "hiringOrganization": {"@type": "Organization", "name": "Cyngor Sir Ceredigion"},
 "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
   "addressLocality": "Aberaeron", "postalCode": "SA46 0PA", "addressCountry": "GB"}}}
</script></head><body><h1>Pennaeth Caffael Dros Dro</h1></body></html>"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 Rhagfyr 2026", datetime(2026, 12, 5, tzinfo=UTC)),
        ("1 Gorffennaf 2026 10:30", datetime(2026, 7, 1, 9, 30, tzinfo=UTC)),  # BST
        ("Dydd Llun, 14 Mehefin 2027 17:00", datetime(2027, 6, 14, 16, tzinfo=UTC)),
        ("3 Mai 2027", datetime(2027, 5, 2, 23, tzinfo=UTC)),
        ("14 Ionawr 2027 am 09:30", datetime(2027, 1, 14, 9, 30, tzinfo=UTC)),  # "am": at
        # English dateparser reads "Awst" as a zone (AWST, +08:00) in this month
        ("20 Awst 2026", datetime(2026, 8, 19, 23, tzinfo=UTC)),
        ("5 December 2026", datetime(2026, 12, 5, tzinfo=UTC)),
    ],
)
def test_welsh_and_english_dates(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dyddiad cau: 5 Rhagfyr 2026", datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)),
        (
            "Dyddiad cau: Dydd Gwener 11eg Rhagfyr 2026 am 12:00",
            datetime(2026, 12, 11, 12, tzinfo=UTC),
        ),  # fmt: skip
        ("Dyddiad cau: 20 Awst 2026 17:00", datetime(2026, 8, 20, 16, tzinfo=UTC)),
        ("Closing date: 3rd May 2027 at 5pm", datetime(2027, 5, 3, 16, tzinfo=UTC)),
    ],
)
def test_welsh_closing_dates(text: str, expected: datetime) -> None:
    assert parse_closing_date(text) == expected


def test_english_dates_are_read_in_english_alone() -> None:
    """No locale detection, and no second language tried on every English date."""
    assert date_languages("5 December 2026 10:30") == ["en"]
    assert date_languages("Tue, 09 Mar 2021 17:00:00 GMT") == ["en"]
    assert date_languages("5 Rhagfyr 2026") == ["cy"]


def test_a_crawl_reads_welsh_dates(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    add_source(crawl_engine, "cyngor", http_server.add("/cy.rss", FEED, "application/rss+xml"))
    add_source(crawl_engine, "swyddi", http_server.add("/swydd/1", JOB_PAGE), kind="jobs")
    summaries = crawl(crawl_settings)
    assert (summaries["cyngor"].new, summaries["swyddi"].new) == (2, 1)
    news = {i.url: i for i in items_of(crawl_engine, "cyngor")}
    welsh, english = news["http://example.org/cy/newyddion/1"], news["http://example.org/en/news/1"]
    assert welsh.date_estimated is False and english.date_estimated is False
    assert welsh.published_at == english.published_at
    assert welsh.published_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    (job,) = items_of(crawl_engine, "swyddi")
    assert job.closes_at is not None
    assert job.closes_at.replace(tzinfo=UTC) == datetime(2027, 3, 5, 12, tzinfo=UTC)
