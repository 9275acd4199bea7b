"""Real corpus documents as servers deliver them, in one real crawl for the module: each
source is a case that was an item lost, or an error that said the wrong thing. Each test
checks one source and can fail alone."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import load_settings
from kil_feed.db import make_engine
from kil_feed.ingest.summary import SourceSummary
from kil_feed.loopback import MockServer
from tests.conftest import kil_environment, sqlite_copy
from tests.support.crawl import FAST_CRAWL_ENV, add_source, crawl, items_of

FTS_PAGE = "ocds/findatender_2026-09-03_release-package_final_page_3_releases.json"
CLOUDBLOG = "feeds/google_cloudblog_atom_authors_in_rss.rss"
KC0011 = "feeds_nasty/kc0011_gb2312_nonrfc822_dates.rss"
WORDPRESS = "feeds/wordpress_rss2_dc_atom.xml"
OREN_RU = "feeds_nasty/oren_ru_windows-1251.xml"
# synthetic test input, not a real document: an RSS item typed in windows-1252 (smart
# quotes, a pound sign, an en dash and a euro), its prolog claiming UTF-8 as templates do
CP1252_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Council news '
    "\u2013 \u201cKeep it local\u201d</title><item><title>Council\u2019s \u00a3500 per day "
    "\u2013 \u20ac20m framework</title><link>http://example.org/1</link><description>The "
    "council\u2019s interim lead.</description></item></channel></rss>"
).encode("cp1252")
# synthetic test input, not a real document: a job feed typed in ISO-8859-15 without an
# XML declaration (its euro sign is byte 0xA4, a currency sign in windows-1252), served
# with its charset; read without the server's word, "€600" became "¤600"
EURO_JOB_FEED = (
    '<rss version="2.0"><channel><title>Border jobs</title><item><title>Interim buyer, '
    "\u20ac600 per day</title><link>http://example.org/jobs/1</link><description>Newry and "
    "Dundalk, \u20ac600 per day, \u00a3 paid in Northern Ireland.</description></item>"
    "</channel></rss>"
).encode("iso-8859-15")
TELECOMMUTE = "jobs/schemaorg_example_jobposting_telecommute_applicantLocationRequirements.txt"


@dataclass
class Crawled:
    summaries: dict[str, SourceSummary]
    engine: Engine
    urls: dict[str, str]


def _job_page(*scripts: bytes) -> bytes:
    """A job page carrying `scripts` as its JSON-LD blocks, in order."""
    blocks = b"".join(b'<script type="application/ld+json">' + s + b"</script>" for s in scripts)
    return b"<!DOCTYPE html><html><head><title>Job</title>" + blocks + b"</head></html>"


def _routes(server: MockServer, corpus: Path) -> dict[str, tuple[str, str]]:
    """{source name: (url, kind)} of every case."""
    # NHS Jobs published this JobPosting in a <script> of its vacancy page (the corpus has
    # it as scraped); beside it, another of its postings cut short, as a truncated block is
    posting = (corpus / "jobs/nhsjobs_jobposting_915809751.json").read_bytes()
    other = (corpus / "jobs/nhsjobs_jobposting_915703330.json").read_bytes()[:200]
    broadbean = corpus / "jobs/broadbean_feed_escaped_quotes_in_xml_decl.xml"
    fts = gzip.compress((corpus / FTS_PAGE).read_bytes())
    return {
        "nhs-page": (server.add("/xi/vacancy/915809751", _job_page(other, posting)), "jobs"),
        # Broadbean's export: <items><item>..., no <rss>, a prolog with escaped quotes
        "broadbean": (server.add_file("/broadbean.xml", broadbean), "jobs"),
        # schema.org's own JobPosting example gives `name` (every Thing's), not `title`
        "schema-org": (server.add_file("/telecommute", corpus / TELECOMMUTE, "text/html"), "jobs"),
        # a 200 answer that is a web page (a service's notice or error page), not the API's
        "not-an-api": (
            server.add_file("/api/ocds", corpus / "html/nationalrail_co_uk_disruptions_page.html"),
            "notices",
        ),
        # NSHipster's RSS feed, saved gzip-compressed under a .xml name
        "nshipster": (
            server.add_file("/feed.xml", corpus / "feeds_nasty/invalid_characters_gzipped.xml"),
            "feed",
        ),
        # Find a Tender's page as a .json.gz download (application/gzip, no Content-Encoding)
        "fts-download": (server.add("/releases.json.gz", fts, "application/gzip"), "notices"),
        # a forum feed (GB2312) dated "2020/1/10 14:33:00", not as RFC 822 says
        "kc0011": (server.add_file("/kc.rss", corpus / KC0011), "feed"),
        # RSS items with <atom:author> blocks, each with a <title> (the author's job)
        "cloudblog": (server.add_file("/cloudblog.rss", corpus / CLOUDBLOG), "feed"),
        # a UTF-8 feed (so its prolog says) behind a server whose default charset is Latin-1
        "latin1-server": (
            server.add_file("/wp.xml", corpus / WORDPRESS, "text/xml; charset=ISO-8859-1"),
            "feed",
        ),
        # a windows-1251 feed (so its prolog says) behind the same Latin-1 default
        "cp1251-latin1-server": (
            server.add_file("/oren.xml", corpus / OREN_RU, "text/xml; charset=ISO-8859-1"),
            "feed",
        ),
        "jobs-iso-8859-15-server": (
            server.add("/jobs-euro.xml", EURO_JOB_FEED, "application/rss+xml; charset=iso-8859-15"),
            "jobs",
        ),
        "cp1252-latin1-server": (
            server.add("/cp1252.xml", CP1252_FEED, "application/rss+xml; charset=iso-8859-1"),
            "feed",
        ),
    }


@pytest.fixture(scope="module")
def crawled(  # type: ignore[no-untyped-def]
    tmp_path_factory, sqlite_template: Path, module_http_server: MockServer, corpus_dir: Path
) -> Iterator[Crawled]:
    """One crawl of every case, shared by the tests below."""
    folder = tmp_path_factory.mktemp("transport")
    with kil_environment(folder, sqlite_copy(folder, sqlite_template), FAST_CRAWL_ENV):
        settings = load_settings()
        engine = make_engine(settings)
        routes = _routes(module_http_server, corpus_dir)
        for name, (url, kind) in routes.items():
            add_source(engine, name, url, kind=kind)
        urls = {name: url for name, (url, _) in routes.items()}
        yield Crawled(crawl(settings, time_limit=60), engine, urls)
        engine.dispose()


def test_a_cut_short_jsonld_block_hides_no_job_posting(crawled: Crawled) -> None:
    assert crawled.summaries["nhs-page"].error is None
    (job,) = items_of(crawled.engine, "nhs-page")
    assert (job.title, job.employer, job.location) == (
        "Bank Staff Nurse RMN/RNLD", "Priory Group", "Cardiff",
    )  # fmt: skip
    assert (job.pay_min, job.pay_max, job.pay_period) == (17.69, 20.0, "hour")


def test_an_ats_feed_of_its_own_root_is_read_as_a_job_feed(crawled: Crawled) -> None:
    assert crawled.summaries["broadbean"].error is None
    (job,) = items_of(crawled.engine, "broadbean")
    assert (job.title, job.guid, job.url) == ("Class Teacher", "0044", "http://testurl.com/")
    assert job.closes_at is not None and job.closes_at.date().isoformat() == "2042-08-23"


def test_a_job_posting_named_but_not_titled_is_kept(crawled: Crawled) -> None:
    assert crawled.summaries["schema-org"].dropped == 0
    (job,) = items_of(crawled.engine, "schema-org")
    assert (job.kind, job.title) == ("job", "Telecommute from anywhere in USA!")
    assert job.url == crawled.urls["schema-org"]


def test_an_html_page_at_a_notices_url_says_so(crawled: Crawled) -> None:
    assert crawled.summaries["not-an-api"].error == (
        "page 1: an HTML page, not OCDS JSON (an error or sign-in page, or not the API's URL)"
    )
    assert items_of(crawled.engine, "not-an-api") == []


def test_a_gzip_file_sent_without_content_encoding_is_read(crawled: Crawled) -> None:
    assert crawled.summaries["nshipster"].error is None
    stored = items_of(crawled.engine, "nshipster")
    assert len(stored) == 25
    assert "http://nshipster.com/nsoperation/" in {i.url for i in stored}
    assert crawled.summaries["fts-download"].error is None
    notices = items_of(crawled.engine, "fts-download")
    assert {n.guid for n in notices} == {
        "ocds-h6vhtk-06f0ca", "ocds-h6vhtk-05f9f4", "ocds-h6vhtk-06f0c7",
    }  # fmt: skip


def test_a_utf8_feed_keeps_its_text_when_the_server_says_latin1(crawled: Crawled) -> None:
    assert crawled.summaries["latin1-server"].error is None
    titles = {i.title for i in items_of(crawled.engine, "latin1-server")}
    assert "Seven Things – Tagged by Pádraic" in titles  # "PÃ¡draic" when read as Latin-1
    assert len(titles) == 10


def test_a_date_written_year_first_with_slashes_is_read_as_written(crawled: Crawled) -> None:
    stored = items_of(crawled.engine, "kc0011")
    assert len(stored) == 20 and not any(i.date_estimated for i in stored)
    dates = {i.published_at.replace(tzinfo=None).isoformat() for i in stored}
    # its newest entries: <pubDate>2020/1/10 14:33:00</pubDate> and 14:28 (feedparser read
    # every "2020/1/10 ..." as 2020-12-01 00:00)
    assert {"2020-01-10T14:33:00", "2020-01-10T14:28:00"} <= dates
    assert not any(d.startswith("2020-12-01") for d in dates)


def test_an_authors_title_inside_an_item_is_not_the_items_title(crawled: Crawled) -> None:
    summary = crawled.summaries["cloudblog"]
    assert (summary.new, summary.dropped) == (20, 0)  # one had no title, the author's empty
    stored = {i.title: i.author for i in items_of(crawled.engine, "cloudblog")}
    assert stored["Want to keep your employees productive? Pay attention to shadow IT clues"] == (
        "Diane Chaleff"
    )
    assert "Last month today: August on GCP" in stored
    assert "Product Manager, Office of the CTO" not in stored  # the author's job title


def test_a_feed_declaring_its_own_encoding_is_read_in_it_when_the_server_says_latin1(
    crawled: Crawled,
) -> None:
    """A Latin-1 label is a server's default: the feed's own windows-1251 wins (its titles
    read 'Â Áóçóëóêå ...' when decoded as Latin-1)."""
    assert crawled.summaries["cp1251-latin1-server"].error is None
    titles = {i.title for i in items_of(crawled.engine, "cp1251-latin1-server")}
    assert "В Бузулуке главные стройплощадки – детсад и Ледовый дворец" in titles
    assert len(titles) == 10
    with crawled.engine.connect() as conn:
        (title,) = conn.exec_driver_sql(
            "SELECT title FROM source WHERE name = 'cp1251-latin1-server'"
        ).one()
    assert title == "Новости Оренбурга и области / Раздел Новости"


def test_windows_1252_under_a_latin1_label_keeps_its_quotes_and_pound(crawled: Crawled) -> None:
    (item,) = items_of(crawled.engine, "cp1252-latin1-server")
    assert item.title == "Council’s £500 per day – €20m framework"
    assert "The council’s interim lead." in item.body_html
    with crawled.engine.connect() as conn:
        (title,) = conn.exec_driver_sql(
            "SELECT title FROM source WHERE name = 'cp1252-latin1-server'"
        ).one()
    assert title == "Council news – “Keep it local”"


def test_a_job_feed_is_read_in_the_charset_its_server_gives(crawled: Crawled) -> None:
    """Job feeds go through the news feeds' reading of the response headers."""
    assert crawled.summaries["jobs-iso-8859-15-server"].error is None
    (item,) = items_of(crawled.engine, "jobs-iso-8859-15-server")
    assert item.kind == "job"
    assert item.title == "Interim buyer, \u20ac600 per day"
    assert "Dundalk, \u20ac600 per day, \u00a3 paid" in item.body_html
