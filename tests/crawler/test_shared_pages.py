"""Two sources of one crawl reaching the same page each get their item; one source, one fetch."""

from __future__ import annotations

from tests.crawler.test_jobs_and_pages import ARTICLE, _job_page
from tests.support.crawl import add_source, crawl, items_of

SITEMAP = (
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{}</urlset>'
)


def _urlset(*urls: str) -> str:
    return SITEMAP.format("".join(f"<url><loc>{u}</loc></url>" for u in urls))


def _index(*sitemaps: str) -> str:
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in sitemaps)
        + "</sitemapindex>"
    )


def test_same_pages_from_two_sources_in_one_crawl(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    article = http_server.add("/news/2026/11/shared-story", ARTICLE.format(title="Shared story"))
    own = http_server.add("/news/2026/11/own-council-story", ARTICLE.format(title="Own story"))
    for name, extra in (("news-a", own), ("news-b", None)):
        links = [article, f"{article}?utm_source=newsletter"] + ([extra] if extra else [])
        listing = http_server.add(
            f"/{name}/",
            "<html><body>" + "".join(f"<a href='{u}'>x</a>" for u in links) + "</body></html>",
        )
        add_source(crawl_engine, name, listing, kind="page")

    job = http_server.add(
        "/jobs/2001-contract-manager", _job_page("Contract Manager", "Leeds", "£500 per day")
    )
    listing = http_server.add(
        "/board/", f"<html><body><a href='{job}'>Contract Manager</a></body></html>"
    )
    add_source(crawl_engine, "board", listing, kind="jobs", options={"follow_pattern": "/jobs/2"})
    # a sitemap index whose two sitemaps both list the job (once with a tracking parameter)
    first = http_server.add("/sm-1.xml", _urlset(job), "application/xml")
    second = http_server.add("/sm-2.xml", _urlset(f"{job}?utm_campaign=x"), "application/xml")
    index = http_server.add("/sitemap.xml", _index(first, second, first), "application/xml")
    add_source(crawl_engine, "sitemap", index, kind="jobs")

    summaries = crawl(crawl_settings)

    assert {n: (s.new, s.error) for n, s in summaries.items()} == {
        "news-a": (2, None),
        "news-b": (1, None),
        "board": (1, None),
        "sitemap": (1, None),
    }
    assert {i.title for i in items_of(crawl_engine, "news-a")} == {"Shared story", "Own story"}
    assert [i.title for i in items_of(crawl_engine, "news-b")] == ["Shared story"]
    for name in ("board", "sitemap"):
        assert [(i.title, i.kind) for i in items_of(crawl_engine, name)] == [
            ("Contract Manager", "job")
        ]
    # fetched once per source that wants it, never twice for the same source
    assert len(http_server.requests_to("/news/2026/11/shared-story")) == 2
    assert len(http_server.requests_to("/news/2026/11/own-council-story")) == 1
    assert len(http_server.requests_to("/jobs/2001-contract-manager")) == 2
    assert len(http_server.requests_to("/sm-1.xml")) == 1


def test_a_loopback_answer_a_busy_machine_delays_is_fetched_once(
    http_server, crawl_settings, crawl_engine
):  # type: ignore[no-untyped-def]
    """On a loaded machine a loopback answer can take seconds: the test crawls' download
    timeout outlasts it, else the page is timed out and fetched again by the retry (seen:
    '/sm-1.xml' asked twice under a 3 s timeout). Tests of a time-out set a short one."""
    job = http_server.add("/jobs/2002-slow-answer", _job_page("Buyer", "Leeds", "£400 per day"))
    slow = http_server.add("/sm-slow.xml", _urlset(job), "application/xml")
    index = http_server.add("/sitemap-slow.xml", _index(f"{slow}?delay=4"), "application/xml")
    add_source(crawl_engine, "sitemap", index, kind="jobs")
    summary = crawl(crawl_settings)["sitemap"]
    assert (summary.new, summary.error) == (1, None)
    assert len(http_server.requests_to("/sm-slow.xml")) == 1
