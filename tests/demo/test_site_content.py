"""Every page of the bundled demo site parses the way a crawler will read it."""

from __future__ import annotations

import json
import os
import tomllib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import extruct
import feedparser
import pytest
from lxml import etree

from kil_feed.demo.seed import demo_sources_text
from kil_feed.demo.server import SITE_DIR, DemoSite
from kil_feed.demo.workspace import Workspace, demo_rules, demo_subscribers
from kil_feed.rules import RulesSettings

NOW = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
BASE = "http://127.0.0.1:8123"
FEEDS = ["/feeds/news.rss", "/feeds/insight.atom", "/feeds/briefings.rss", "/jobs/feed.xml"]
BROKEN = {"/feeds/briefings.rss"}  # the intentionally malformed source
REQUIRED_JOB = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")
ITL1 = {"North West", "London", "Scotland"}


def render(path: str) -> str:
    page = DemoSite(now=NOW).render(path, BASE)
    assert page is not None, path
    return page.body.decode("utf-8")


def job_pages(agency: bool = False) -> list[str]:
    folder = SITE_DIR / "jobs" / ("agency" if agency else "")
    return sorted(
        "/" + p.relative_to(SITE_DIR).as_posix()
        for p in folder.glob("*.html")
        if p.name != "index.html"
    )


def article_pages() -> list[str]:
    return sorted(
        f"/news/{p.name}" for p in (SITE_DIR / "news").glob("*.html") if p.name != "index.html"
    )


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_parse(path: str) -> None:
    parsed = feedparser.parse(render(path))
    assert parsed.entries, path
    if path in BROKEN:
        assert parsed.bozo, "the broken demo feed should be reported as malformed"
        titled = [e for e in parsed.entries if e.get("title") and e.get("link")]
        assert len(titled) >= 3  # what parses is still there
        assert any(not e.get("title") for e in parsed.entries)
    else:
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        for entry in parsed.entries:
            assert entry.title and entry.link.startswith(BASE + "/")
            assert entry.get("published_parsed") or entry.get("updated_parsed")


def test_news_entries_are_recent_and_varied() -> None:
    entries = [e for path in FEEDS[:3] for e in feedparser.parse(render(path)).entries]
    assert 15 <= len(entries) <= 25
    dated = [
        datetime(*e.published_parsed[:6], tzinfo=UTC) for e in entries if e.get("published_parsed")
    ]
    ages = [(NOW - d).days for d in dated]
    assert min(ages) == 0 and all(age >= 0 for age in ages)
    assert sum(age <= 7 for age in ages) >= 10  # most are this week's news
    assert max(ages) > 14  # one older item shows the newsletter's age limit


@pytest.mark.parametrize("path", job_pages() + job_pages(agency=True))
def test_job_pages_carry_a_valid_jobposting(path: str) -> None:
    html = render(path)
    data = extruct.extract(html, base_url=BASE + path, syntaxes=["json-ld"], uniform=True)
    postings = [d for d in data["json-ld"] if d.get("@type") == "JobPosting"]
    assert len(postings) == 1, path
    job = postings[0]
    for key in REQUIRED_JOB:
        assert job.get(key), (path, key)
    address = job["jobLocation"]["address"]
    assert address["addressCountry"] == "GB" and address["addressLocality"]
    salary = job["baseSalary"]
    assert salary["currency"] == "GBP"
    assert salary["value"]["unitText"] in {"DAY", "YEAR"}
    assert salary["value"].get("value") or salary["value"].get("minValue")
    datetime.fromisoformat(job["datePosted"])
    datetime.fromisoformat(job["validThrough"])
    assert job["url"] == BASE + path


def test_jobs_are_varied() -> None:
    jobs = []
    for path in job_pages():
        data = extruct.extract(render(path), syntaxes=["json-ld"], uniform=True)
        jobs.append(data["json-ld"][0])
    assert 10 <= len(jobs) <= 12
    closes = [datetime.fromisoformat(j["validThrough"]) for j in jobs]
    assert sum(c < NOW for c in closes) == 1  # exactly one closed role
    text = " ".join(j["description"] for j in jobs)
    assert "Inside IR35" in text and "Outside IR35" in text and "per day" in text
    localities = {j["jobLocation"]["address"]["addressLocality"] for j in jobs}
    assert {"Manchester", "London", "Glasgow"} <= localities
    assert len(localities) >= 9


def test_listing_pages_link_every_page() -> None:
    jobs = render("/jobs/")
    for path in job_pages():
        assert f'href="{path}"' in jobs
    feed = feedparser.parse(render("/jobs/feed.xml"))
    assert sorted(urlsplit(e.link).path for e in feed.entries) == job_pages(agency=True)
    news = render("/news/")
    for path in article_pages():
        assert f'href="{path}"' in news
    assert len(article_pages()) == 6


@pytest.mark.parametrize("path", article_pages())
def test_articles_have_metadata(path: str) -> None:
    html = render(path)
    data = extruct.extract(html, syntaxes=["json-ld", "opengraph"], uniform=True)
    article = data["json-ld"][0]
    assert article["@type"] == "NewsArticle" and article["headline"]
    published = datetime.fromisoformat(article["datePublished"])
    assert NOW - timedelta(days=15) < published < NOW
    assert data["opengraph"][0]["og:title"] == article["headline"]
    assert f'<time datetime="{article["datePublished"]}"' in html


def test_every_html_page_is_well_formed_enough() -> None:
    for file in SITE_DIR.rglob("*.html"):
        path = "/" + file.relative_to(SITE_DIR).as_posix()
        doc = etree.fromstring(render(path).encode(), etree.HTMLParser(recover=False))
        assert doc.find(".//title").text, path
        for ld in doc.iterfind(".//script[@type='application/ld+json']"):
            json.loads(ld.text)


def test_sitemap_lists_pages_that_exist() -> None:
    root = etree.fromstring(render("/sitemap.xml").encode())
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) >= 18
    site = DemoSite(now=NOW)
    for loc in locs:
        assert site.render(urlsplit(loc).path, BASE) is not None, loc


def test_feed_links_resolve_to_pages() -> None:
    site = DemoSite(now=NOW)
    for path in FEEDS:
        for entry in feedparser.parse(render(path)).entries:
            if entry.get("link"):
                assert site.render(urlsplit(entry.link).path, BASE) is not None, entry.link


def test_demo_sources_subscribers_and_rules() -> None:
    sources = tomllib.loads(demo_sources_text(BASE))["sources"]
    assert {s["kind"] for s in sources} == {"feed", "page", "jobs", "notices"}
    site = DemoSite(now=NOW)
    for source in sources:
        assert source["url"].startswith(BASE + "/")
        assert site.render(urlsplit(source["url"]).path, BASE) is not None
    regions = [tuple(s["regions"]) for s in demo_subscribers()]
    assert {r for rs in regions for r in rs} == ITL1 and () in regions
    rules = demo_rules()
    assert isinstance(rules, RulesSettings) and rules.auto_approve and rules.block
    named = {s["name"] for s in sources}
    for rule in rules.auto_approve:
        assert set(rule.get("sources", [])) <= named


def test_demo_config_reads_back(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key in [k for k in os.environ if k.startswith("KIL_")]:
        monkeypatch.delenv(key)
    ws = Workspace(tmp_path / "demo")
    ws.create()
    ws.write_config("http://127.0.0.1:8123")
    settings = ws.settings()
    assert settings.demo and settings.allow_private_networks
    assert settings.base_url == "http://127.0.0.1:8123" and settings.web.port == 8123
    assert settings.database_url == f"sqlite:///{(tmp_path / 'demo' / 'kil.db').as_posix()}"
    assert settings.rules == demo_rules()
