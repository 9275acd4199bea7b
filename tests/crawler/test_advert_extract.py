"""Plain-HTML job adverts (no JobPosting markup) read from real pages of the shared corpus,
and every corpus page that is not one advert (news, home, listing, search) kept out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from crawler.classify import parse_closing_date, parse_pay, regions_for
from crawler.classify.duration import duration_months
from crawler.extract.advert import advert_from_html, read_page
from crawler.extract.advert_links import job_links
from crawler.extract.titles import looks_like_job_title, strip_site_suffix
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline

CSJ_DETAIL = "jobs/civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html"
JISNE_ADVERT = "jobs/jobsinschoolsnortheast_assistant_headteacher.html"
LISTINGS = {
    "jobs/civilservicejobs_search_results_page1.html": 25,
    "jobs/civilservicejobs_search_results_page2.html": 25,
    "jobs/jobsinschoolsnortheast_vacancies_listing_page1.html": 5,
}
CSJ_HOST = "https://www.civilservicejobs.service.gov.uk/csr/index.cgi"
JISNE_HOST = "https://www.jobsinschoolsnortheast.com/search-results/"


def page_text(path: Path) -> str:
    """The page as a browser would decode it (these two declare ISO-8859-1 / UTF-8)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _not_adverts(corpus_dir: Path) -> list[str]:
    names = [f"html/{p.name}" for p in sorted((corpus_dir / "html").glob("*.html"))]
    return names + sorted(LISTINGS) + ["jobs/extruct_jsonld_with_js_comment.html"]


def test_civil_service_jobs_advert(corpus_dir: Path) -> None:
    job = advert_from_html(page_text(corpus_dir / CSJ_DETAIL), CSJ_HOST + "?SID=x")
    assert job is not None
    assert (job["title"], job["employer"], job["location"]) == (
        "Head of Policy Research",
        "House of Lords",  # the advertiser's logo, "House of Lords Logo"
        "Westminster",  # the second "Location": the first is the page's table of contents
    )
    assert parse_pay(job["base_salary"]) == parse_pay(53730)
    assert job["employment_type"] == "Fixed Term"
    assert job["guid"] == "296730"
    assert parse_closing_date(job["valid_through"]).isoformat() == "2023-07-02T21:00:00+00:00"
    extra = job["extra"]
    assert extra["hours"] == "Full-time"
    assert extra["duration_months"] == 24
    assert extra["apply_url"].startswith("https://housesofparliament.tal.net/")
    # the labelled side panel is in the body, ahead of the advert text
    assert "<li>Contract type: Fixed Term</li>" in job["body_html"]
    assert "Overseeing and developing the quality of policy research" in job["body_html"]


def test_jobs_in_schools_north_east_advert(corpus_dir: Path) -> None:
    url = "https://www.jobsinschoolsnortheast.com/job/assistant-headteacher/"
    job = advert_from_html(page_text(corpus_dir / JISNE_ADVERT), url)
    assert job is not None
    assert job["title"] == "Assistant Headteacher"  # not "... - Jobs in Schools | North East"
    assert (job["employer"], job["location"]) == ("Churchill Community College", "North Tyneside")
    assert job["employment_type"] == "Permanent"
    assert job["base_salary"] == "Leadership Scale L12-16"
    # the closing date is only in the prose: "The closing date is 9.30am on Tuesday 27th ..."
    assert parse_closing_date(job["valid_through"]).isoformat() == "2018-03-27T08:30:00+00:00"
    assert job["extra"]["hours"] == "Full Time"


@pytest.mark.parametrize("name", ["html", "listings"])
def test_pages_that_are_not_one_advert(corpus_dir: Path, name: str) -> None:
    """News articles, a news home page, blog/video pages and search results: never a job."""
    names = [n for n in _not_adverts(corpus_dir) if n.startswith("html/") == (name == "html")]
    assert names
    for file in names:
        reading = read_page(page_text(corpus_dir / file), "https://example.org/" + file)
        assert advert_from_html(page_text(corpus_dir / file), "https://example.org/x") is None, (
            f"{file} taken for an advert: {reading.title!r} pay={reading.pay_text!r} "
            f"closing={reading.closing_text!r} apply={reading.apply_url!r}"
        )
        if file in LISTINGS and "civilservice" in file:
            assert reading.is_listing  # 25 "Salary :" and "Closes :" labels


@pytest.mark.parametrize(("name", "count"), sorted(LISTINGS.items()))
def test_listing_fallback_finds_every_advert_link(corpus_dir: Path, name: str, count: int) -> None:
    base = CSJ_HOST if "civilservice" in name else JISNE_HOST
    links = job_links(Selector(text=page_text(corpus_dir / name)), base)
    assert len(links) == count
    assert len(set(links)) == count
    if "jobsinschools" in name:
        assert links[0] == "https://www.jobsinschoolsnortheast.com/job/teacher-year-5-3/"


def test_listing_fallback_ignores_other_sites_and_articles(corpus_dir: Path) -> None:
    # the same listing seen from another host: its links lead off-site, none is followed
    listing = page_text(corpus_dir / "jobs/civilservicejobs_search_results_page1.html")
    assert job_links(Selector(text=listing), "http://127.0.0.1:1/jobs") == []
    for file in _not_adverts(corpus_dir):
        if file.startswith("html/"):
            page = Selector(text=page_text(corpus_dir / file))
            assert job_links(page, "https://example.org/") == [], file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Head of Policy Research", True),  # Civil Service Jobs
        ("Teacher of Year 5", True),  # Jobs in Schools North East
        ("Interim Director of Finance - Corporate Services", True),
        ("Prison Onsite Support Engineer (Ref: 76109)", True),
        ("Coronavirus: New York ramps up mass burials amid outbreak", False),  # BBC
        ("Plumber jailed after boiler killed millionaire's daughter", False),  # Telegraph
        ("Sign in / create an account", False),
        ("Corporate hub locations here.", False),
    ],
)
def test_looks_like_job_title(text: str, expected: bool) -> None:
    assert looks_like_job_title(text) is expected


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        (
            "Assistant Headteacher - Jobs in Schools | North East",
            ["Jobs in Schools | North East"],
            "Assistant Headteacher",
        ),
        # Civil Service Jobs <title>s, with no og:site_name to go by
        ("Head of Policy Research - Civil Service Jobs - GOV.UK", [], "Head of Policy Research"),
        (
            "2,371 Search results - Civil Service Jobs - GOV.UK",
            [],
            "2,371 Search results - Civil Service Jobs - GOV.UK",
        ),
        ("National Rail Enquiries -", [], "National Rail Enquiries -"),
    ],
)
def test_strip_site_suffix(title: str, sites: list[str], expected: str) -> None:
    assert strip_site_suffix(title, sites) == expected


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Two years, with the possibility of extension or permanence", 24),  # CSJ
        ("6 months", 6),
        ("12 weeks", 2.8),
        ("Permanent", None),
    ],
)
def test_duration_months(text: str, months: float | None) -> None:
    assert duration_months(text) == months


def test_non_html_documents_are_not_adverts(corpus_dir: Path) -> None:
    """A job page that turns out to be a feed or JSON (a followed link) is read, not raised."""
    for name in (
        "jobs/ventrus_current-vacancies_feed_MALFORMED.xml",
        "jobs/vacancy_poster_ats_feed_no_rss_root.xml",
        "jobs/nhsjobs_jobposting_915809751.json",
        "jobs/extruct_jsonld_with_control_characters.html",
    ):
        assert advert_from_html(page_text(corpus_dir / name), "https://example.org/x") is None


def test_site_title_of(corpus_dir: Path) -> None:
    from crawler.extract.titles import site_title_of

    assert site_title_of(page_text(corpus_dir / JISNE_ADVERT)) == "Jobs in Schools | North East"
    assert site_title_of(page_text(corpus_dir / CSJ_DETAIL)) == "Civil Service Jobs - GOV.UK"
    # "National Rail Enquiries - ": a title whose page part is empty
    rail = page_text(corpus_dir / "html/nationalrail_co_uk_disruptions_page.html")
    assert site_title_of(rail) == "National Rail Enquiries"
    assert site_title_of("no markup at all") is None


# An agency's advert in the phrasing UK job boards use (test input, not a corpus document):
# a range with the period on both ends, mis-decoded pound signs, an agency fee before the
# rate, the advertiser's registered office in the text.
AGENCY_ADVERT = """<html><head><title>Interim Category Manager | Acme Interim</title></head><body>
<h1>Interim Category Manager</h1>
<ul><li>Location: Hybrid - Leeds</li><li>Rate: Â£500pd-Â£550pd</li><li>IR35: Inside</li>
<li>Duration: 6 months</li><li>Closing date: 30 June 2023</li></ul>
<div><p>Our client, a metropolitan borough council, needs an interim category manager to
lead its adult social care commissioning. No agency fees are charged to candidates. The
agency fee of £60 per day is paid by the client.</p>
<p>Acme Interim Ltd, Registered Office: 1 Piccadilly Gardens, Manchester M1 1AE.
Acme is acting as an employment business in relation to this vacancy.</p></div>
<a href="/apply/1">Apply now</a></body></html>"""


def test_agency_advert_through_the_pipelines() -> None:
    item = advert_from_html(AGENCY_ADVERT, "https://jobs.example/roles/1")
    assert item is not None
    item["collected_at"] = datetime(2023, 6, 1, tzinfo=UTC)
    for stage in (ValidatePipeline(), NormalisePipeline(), ClassifyPipeline(None)):
        item = stage.process_item(item)
    assert (item["pay_min"], item["pay_max"], item["pay_period"]) == (500, 550, "day")
    assert item["ir35"] == "inside"
    assert item["regions"] == ["Yorkshire and The Humber"]
    assert item["extra"]["duration_months"] == 6
    # without the location, the registered office is still not where the job is
    body = item["_text"].replace("Location: Hybrid - Leeds", "")
    assert "Manchester" in body
    assert "North West" not in regions_for(body)
