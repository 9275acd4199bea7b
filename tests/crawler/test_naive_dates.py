"""A date without a zone is UK wall time (Europe/London, BST-aware) on every path: ISO 8601,
RFC 822 and free text (dateparser), in a feed, a job posting and the parser itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.normal import parse_date
from tests.support.crawl import add_source, crawl, items_of

SUMMER_UTC = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
WINTER_UTC = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 09:00 GMT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01T09:00:00", SUMMER_UTC),
        ("2026-03-01T09:00:00", WINTER_UTC),
        ("2026-07-01 09:00", SUMMER_UTC),
        ("Wed, 01 Jul 2026 09:00:00", SUMMER_UTC),
        ("Sun, 01 Mar 2026 09:00:00", WINTER_UTC),
        ("1 July 2026 09:00", SUMMER_UTC),
        ("1 March 2026 09:00", WINTER_UTC),
        # a day alone is the start of that day in the UK
        ("2026-07-01", datetime(2026, 6, 30, 23, 0, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        # a zone given is kept; RFC 822's -0000 is UTC with no local time known
        ("2026-07-01T09:00:00Z", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("Wed, 01 Jul 2026 09:00:00 -0000", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("Wed, 01 Jul 2026 09:00:00 +0000", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        # ISO 8601's basic format with a time of day (feedparser keeps only the day)
        ("20260701T090000", SUMMER_UTC),
        ("20260301T090000", WINTER_UTC),
        ("20260701T0900", SUMMER_UTC),
        ("20260701T0900Z", datetime(2026, 7, 1, 9, tzinfo=UTC)),
        ("20260701T090000+0100", SUMMER_UTC),
    ],
)
def test_a_date_without_a_zone_is_uk_time(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


def test_a_naive_datetime_is_uk_time() -> None:
    assert parse_date(datetime(2026, 7, 1, 9)) == SUMMER_UTC
    assert parse_date(datetime(2026, 3, 1, 9)) == WINTER_UTC


def _feed(http_server, path: str, dates: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The URL of an RSS feed served with one story per date, titled 'Story <key>'."""
    entries = "".join(
        f"<item><title>Story {key}</title><link>{http_server.url}{path}/{key}</link>"
        f"<guid>{key}</guid><pubDate>{when}</pubDate><description>Text {key}</description></item>"
        for key, when in dates.items()
    )
    return str(
        http_server.add(
            path,
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Naive</title>'
            f"<link>{http_server.url}/</link><description>d</description>{entries}"
            "</channel></rss>",
            "application/rss+xml",
        )
    )


def test_every_path_agrees(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """A feed with RFC 822, ISO and free-text dates and job postings with ISO datePosted,
    crawled: each naive 09:00 is 09:00 in London, summer and winter alike."""
    dates = {
        "rfc-summer": "Wed, 01 Jul 2026 09:00:00",
        "rfc-winter": "Sun, 01 Mar 2026 09:00:00",
        "iso-summer": "2026-07-01T09:00:00",
        "iso-winter": "2026-03-01T09:00:00",
        "text-summer": "1 July 2026 09:00",
        "text-winter": "1 March 2026 09:00",
    }
    add_source(crawl_engine, "naive-feed", _feed(http_server, "/naive.rss", dates), kind="feed")
    for key in ("iso-summer", "iso-winter"):
        posting = {
            "@context": "https://schema.org",
            "@type": "JobPosting",
            "title": f"Interim Buyer {key}",
            "datePosted": dates[key],
            "description": "<p>Interim buyer, £500 per day.</p>",
            "hiringOrganization": {"@type": "Organization", "name": "Leeds City Council"},
        }
        http_server.add(
            f"/jobs/3-{key}",
            f'<html><head><script type="application/ld+json">{json.dumps(posting)}</script>'
            "</head><body></body></html>",
        )
    listing = http_server.add(
        "/naive-jobs/",
        "<html><body>"
        + "".join(f'<a href="/jobs/3-{k}">{k}</a>' for k in ("iso-summer", "iso-winter"))
        + "</body></html>",
    )
    add_source(
        crawl_engine, "naive-jobs", listing, kind="jobs", options={"follow_pattern": "/jobs/3"}
    )

    summaries = crawl(crawl_settings, ["naive-feed", "naive-jobs"])

    assert summaries["naive-feed"].new == 6 and summaries["naive-jobs"].new == 2
    stories = {i.title.removeprefix("Story "): i for i in items_of(crawl_engine, "naive-feed")}
    jobs = {i.title.removeprefix("Interim Buyer "): i for i in items_of(crawl_engine, "naive-jobs")}
    for key in dates:
        expected = SUMMER_UTC if key.endswith("summer") else WINTER_UTC
        assert (key, stories[key].published_at) == (key, expected)
        assert not stories[key].date_estimated
    assert jobs["iso-summer"].published_at == SUMMER_UTC
    assert jobs["iso-winter"].published_at == WINTER_UTC


def test_pages_show_the_uk_day(settings):  # type: ignore[no-untyped-def]
    """A UK day's start is the day before in UTC in summer: pages show the UK day."""
    from kil_feed.web.templating import make_environment

    page = make_environment(settings).from_string("{{ when|date }}")
    assert page.render(when=parse_date("2026-07-01")) == "1 Jul 2026"
    assert page.render(when=parse_date("Wed, 01 Jul 2026 00:30:00")) == "1 Jul 2026"
    assert page.render(when=parse_date("2026-03-01")) == "1 Mar 2026"
    assert page.render(when=None) == ""


def test_a_date_only_feedparser_reads_is_uk_time_too(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """A basic-format ISO date ("20260701": feedparser reads it, our parser does not) is the
    start of that UK day, as every other path has it; feedparser's own reading is UTC."""
    dates = {"summer": "20260701", "winter": "20260301", "zoned": "Wed, 01 Jul 2026 09:00 +0100"}
    add_source(crawl_engine, "fp-dates", _feed(http_server, "/fp-dates.rss", dates), kind="feed")
    assert crawl(crawl_settings, ["fp-dates"])["fp-dates"].new == 3
    stories = {i.title.removeprefix("Story "): i for i in items_of(crawl_engine, "fp-dates")}
    assert parse_date(dates["summer"]) is None  # so feedparser's reading is the one used
    assert stories["summer"].published_at == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert stories["winter"].published_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert stories["zoned"].published_at == SUMMER_UTC  # a zone named is kept
    assert not any(s.date_estimated for s in stories.values())


def test_a_basic_format_date_keeps_its_time(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """ "20260701T090000" and "20260701T0900Z" in a feed: feedparser read both as midnight
    UTC of the day; read whole, a naive one is 09:00 in London, a zoned one as it says."""
    dates = {"summer": "20260701T090000", "winter": "20260301T090000", "zoned": "20260701T0900Z"}
    add_source(crawl_engine, "basic", _feed(http_server, "/basic.rss", dates), kind="feed")
    assert crawl(crawl_settings, ["basic"])["basic"].new == 3
    stories = {i.title.removeprefix("Story "): i for i in items_of(crawl_engine, "basic")}
    assert stories["summer"].published_at == SUMMER_UTC
    assert stories["winter"].published_at == WINTER_UTC
    assert stories["zoned"].published_at == datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert not any(s.date_estimated for s in stories.values())
