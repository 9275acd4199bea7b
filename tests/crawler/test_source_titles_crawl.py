"""The first crawl names a source that has no title: the feed's own title, else the site's
(`og:site_name`, else its `<title>` without the page's part); a given title is kept."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from kil_feed.db import read_session
from kil_feed.models import Source
from tests.support.crawl import add_source, crawl

CSJ_DETAIL = "jobs/civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html"


def test_first_crawl_titles(corpus_dir: Path, http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    feed = http_server.add_file(
        "/bbc.rss", corpus_dir / "feeds/bbc_news_uk_politics_2018-12-19.rss"
    )
    add_source(crawl_engine, "bbc-politics", feed)
    add_source(crawl_engine, "bbc-titled", feed + "?copy", title="BBC Politics (UK)")
    page = http_server.add_file("/csj", corpus_dir / CSJ_DETAIL, content_type="text/html")
    add_source(crawl_engine, "csj", page, kind="jobs")

    summaries = crawl(crawl_settings)

    assert all(s.error is None for s in summaries.values()), summaries
    with read_session(crawl_engine) as session:
        titles = dict(session.exec(select(Source.name, Source.title)).all())
    assert titles == {
        "bbc-politics": "BBC News - UK Politics",  # the feed's <title>
        "bbc-titled": "BBC Politics (UK)",  # given: never replaced
        "csj": "Civil Service Jobs - GOV.UK",  # "Head of Policy Research - Civil Service ..."
    }
