"""A `jobs` source at a plain-HTML advert, or at a listing of them, collects the adverts;
a news article and a search page are not taken for jobs. Real corpus pages, real crawl."""

from __future__ import annotations

from pathlib import Path

from tests.support.crawl import add_source, crawl, items_of

CSJ_DETAIL = "jobs/civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html"
JISNE_ADVERT = "jobs/jobsinschoolsnortheast_assistant_headteacher.html"
JISNE_LISTING = "jobs/jobsinschoolsnortheast_vacancies_listing_page1.html"
JISNE = b"https://www.jobsinschoolsnortheast.com"


def test_plain_adverts_and_listings(corpus_dir: Path, http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    # served without a charset, as Civil Service Jobs does: the page declares ISO-8859-1
    detail = http_server.add_file(
        "/csj/head-of-policy-research", corpus_dir / CSJ_DETAIL, content_type="text/html"
    )
    add_source(crawl_engine, "csj-advert", detail, kind="jobs")
    # the listing as served by its own site: only the host of its absolute links is ours
    listing = (
        (corpus_dir / JISNE_LISTING).read_bytes().replace(JISNE, http_server.base_url.encode())
    )
    page = http_server.add("/search-results/", listing, "text/html; charset=UTF-8")
    advert = (corpus_dir / JISNE_ADVERT).read_bytes()
    http_server.add("/job/teacher-year-5-3/", advert, "text/html; charset=UTF-8")
    news = (corpus_dir / "html/bbc_com_news_article_52241221.html").read_bytes()
    http_server.add("/job/mathematics-teacher-9/", news, "text/html; charset=UTF-8")
    add_source(crawl_engine, "jisne-listing", page, kind="jobs")
    article = http_server.add_file(
        "/news/bbc", corpus_dir / "html/bbc_com_news_article_52241221.html"
    )
    add_source(crawl_engine, "news-as-jobs", article, kind="jobs")

    summaries = crawl(crawl_settings)

    (job,) = items_of(crawl_engine, "csj-advert")
    assert (job.kind, job.title, job.employer, job.location) == (
        "job", "Head of Policy Research", "House of Lords", "Westminster",
    )  # fmt: skip
    assert (job.pay_min, job.pay_max, job.pay_period) == (53730, 53730, "year")
    assert job.contract_type == "fixed-term"
    assert job.regions == ["London"]
    assert job.closes_at is not None and job.closes_at.isoformat().startswith("2023-07-02T21:00")
    assert job.guid == "296730"
    assert job.extra["apply_url"].startswith("https://housesofparliament.tal.net/")
    assert job.extra["duration_months"] == 24

    # five advert links followed: one advert, one news article (not a job), three 404s
    assert len(http_server.requests_to("/job/teacher-year-5-3/")) == 1
    (school,) = items_of(crawl_engine, "jisne-listing")
    assert (school.title, school.employer, school.contract_type) == (
        "Assistant Headteacher", "Churchill Community College", "permanent",
    )  # fmt: skip
    assert school.regions == ["North East"]
    assert summaries["jisne-listing"].new == 1

    assert items_of(crawl_engine, "news-as-jobs") == []
    assert summaries["news-as-jobs"].error == "no job postings or job links found"


def test_a_latin1_advert_served_as_a_file_keeps_its_pound_sign(  # type: ignore[no-untyped-def]
    corpus_dir: Path, http_server, crawl_settings, crawl_engine
):
    """The Civil Service Jobs page is ISO-8859-1 (its <meta> says so): served as the test
    server serves any file, its "£53,730" is still read as the salary."""
    url = http_server.add_file("/csj/advert.html", corpus_dir / CSJ_DETAIL)
    add_source(crawl_engine, "csj-file", url, kind="jobs")

    crawl(crawl_settings)

    (job,) = items_of(crawl_engine, "csj-file")
    assert (job.pay_min, job.pay_max, job.pay_period) == (53730, 53730, "year")
    assert "£53,730" in job.body_html and "\ufffd" not in job.body_html
