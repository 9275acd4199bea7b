"""`kil sources`, `kil crawl` and `kil items` from the command line, checked in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from kil_feed.config import load_settings
from kil_feed.db import make_engine, read_session
from kil_feed.models import CrawlRun, Item, Source
from kil_feed.sources_file import default_sources_text, parse_sources
from tests.support.crawl import FAST_CRAWL_ENV

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<link>http://example.org/</link><description>d</description>
<item><title>Procurement Act: what councils in Leeds must do</title>
<link>http://example.org/n/1</link><pubDate>Tue, 01 Sep 2026 08:00:00 GMT</pubDate>
<description>Local government procurement guidance for West Yorkshire.</description></item>
</channel></rss>"""

JOB_PAGE = """<html><head><script type="application/ld+json">
{"@context": "https://schema.org", "@type": "JobPosting", "title": "Interim Head of Procurement",
 "description": "<p>Outside IR35. Interim role, 6 months.</p>",
 "datePosted": "2026-11-01", "validThrough": "2026-12-15T17:00:00Z",
 "employmentType": "CONTRACTOR",
 "hiringOrganization": {"@type": "Organization", "name": "Bristol City Council"},
 "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
   "addressLocality": "Bristol", "postalCode": "BS1 5TR", "addressCountry": "GB"}},
 "baseSalary": {"@type": "MonetaryAmount", "currency": "GBP",
   "value": {"@type": "QuantitativeValue", "minValue": 600, "maxValue": 650, "unitText": "DAY"}}}
</script></head><body><h1>Interim Head of Procurement</h1></body></html>"""


def _db(settings_env: dict[str, str]):  # type: ignore[no-untyped-def]
    return make_engine(load_settings())


def _sources(engine) -> dict[str, Source]:  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return {s.name: s for s in session.exec(select(Source)).all()}


def test_sources_add_list_show_enable_disable_remove(cli, kil_env) -> None:  # type: ignore[no-untyped-def]
    cli("sources", "add", "gov", "https://www.gov.uk/search/news-and-communications.atom",
        "--topic", "procurement", "--region", "London", "--option", "max_articles=5",
        "--interval", "60")  # fmt: skip
    engine = _db(kil_env)
    src = _sources(engine)["gov"]
    assert (src.kind, src.topics, src.regions, src.options, src.interval_minutes) == (
        "feed",
        ["procurement"],
        ["London"],
        {"max_articles": 5},
        60,
    )
    listed = json.loads(cli("sources", "list", "--json").output)
    assert [s["name"] for s in listed] == ["gov"]
    shown = json.loads(cli("sources", "show", "gov", "--json").output)
    assert shown["url"].startswith("https://www.gov.uk/") and shown["runs"] == []
    cli("sources", "disable", "gov")
    assert _sources(engine)["gov"].enabled is False
    cli("sources", "enable", "gov")
    assert _sources(engine)["gov"].enabled is True
    dup = cli("sources", "add", "gov", "https://example.org/feed", ok=False)
    assert dup.exit_code != 0 and "exists" in dup.output
    cli("sources", "remove", "gov", "--yes")
    assert _sources(engine) == {}
    missing = cli("sources", "show", "gov", ok=False)
    assert missing.exit_code == 4 and "Traceback" not in missing.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/feed", "only http and https"),
        ("http://127.0.0.1:8080/feed", "non-public address"),
        ("http://localhost/feed", "non-public address"),
    ],
)
def test_sources_add_refuses_bad_urls(cli, kil_env, monkeypatch, url, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIL_ALLOW_PRIVATE_NETWORKS", "false")
    result = cli("sources", "add", "bad", url, ok=False)
    assert result.exit_code == 2 and message in result.output
    assert _sources(_db(kil_env)) == {}


def test_sources_import_is_idempotent_and_defaults_parse(cli, kil_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[sources]]\nname = "one"\nurl = "https://example.org/feed"\ninterval = 30\n'
        '[[sources]]\nname = "two"\nurl = "https://example.org/jobs"\nkind = "jobs"\n'
        'enabled = false\n[sources.options]\nfollow_pattern = "/job/"\n'
    )
    assert "2 new" in cli("sources", "import", str(file)).output
    file.write_text(file.read_text().replace("interval = 30", "interval = 45"))
    assert "1 updated, 1 unchanged" in cli("sources", "import", str(file)).output
    found = _sources(_db(kil_env))
    assert found["one"].interval_minutes == 45 and found["two"].enabled is False
    assert found["two"].options == {"follow_pattern": "/job/"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nurl = "https://e.org"\nkind = "rss"\n')
    result = cli("sources", "import", str(bad), ok=False)
    assert result.exit_code == 2 and "unknown kind" in result.output
    specs = parse_sources(default_sources_text())
    assert len(specs) >= 10 and all(s.url.startswith("https://") for s in specs)
    assert {s.kind for s in specs} == {"feed", "page", "jobs", "notices"}
    cli("sources", "import", "--defaults")
    assert len(_sources(_db(kil_env))) == 2 + len(specs)


def test_crawl_check_and_items(cli, kil_env, http_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    feed = http_server.add("/feed.rss", FEED, "application/rss+xml")
    job = http_server.add("/jobs/interim-head-of-procurement", JOB_PAGE)
    cli("sources", "add", "news", feed, "--topic", "keep-it-local")
    cli("sources", "add", "jobs", job, "--kind", "jobs")
    cli("sources", "add", "broken", http_server.url("/status/500"))

    checked = json.loads(cli("sources", "check", "news", "--json").output)
    assert checked["error"] is None and checked["items"][0]["title"].startswith("Procurement Act")
    engine = _db(kil_env)
    with read_session(engine) as session:
        assert session.exec(select(Item)).all() == []  # check stores nothing

    health = {s["name"]: s["health"] for s in json.loads(cli("sources", "list", "--json").stdout)}
    assert health == {"news": "never crawled", "jobs": "never crawled", "broken": "never crawled"}
    broken = cli("sources", "check", "broken", ok=False)  # a check that could not fetch fails
    assert broken.exit_code == 6 and broken.stderr == "error: broken: HTTP 500\n"
    crawled = cli("crawl", ok=False)  # one source of three failed: not a success
    assert crawled.exit_code == 6
    out = crawled.output
    assert "Crawl summary" in out and "HTTP 500" in out
    assert out.strip().splitlines()[-1] == "3 sources, 2 new items; 1 failed (see the errors above)"
    health = {s["name"]: s["health"] for s in json.loads(cli("sources", "list", "--json").stdout)}
    assert health == {"news": "ok", "jobs": "ok", "broken": "error: HTTP 500"}
    with read_session(engine) as session:
        runs = session.exec(select(CrawlRun)).all()
        assert len(runs) == 3 and all(r.finished_at for r in runs)
    news = json.loads(cli("items", "list", "--kind", "news", "--json").output)
    assert len(news) == 1
    item = news[0]
    assert set(item) >= {"id", "kind", "source", "url", "title", "summary", "published_at",
                         "status", "featured", "topics", "regions", "cluster_id"}  # fmt: skip
    assert item["published_at"] == "2026-09-01T08:00:00+00:00"
    assert "keep-it-local" in item["topics"] and "procurement" in item["topics"]
    assert "Yorkshire and The Humber" in item["regions"]
    (job_item,) = json.loads(cli("items", "list", "--kind", "job", "--json").output)
    assert job_item["employer"] == "Bristol City Council"
    assert (job_item["pay_min"], job_item["pay_max"], job_item["pay_period"]) == (600, 650, "day")
    assert job_item["pay_currency"] == "GBP" and job_item["ir35"] == "outside"
    assert job_item["contract_type"] == "interim" and job_item["regions"] == ["South West"]
    assert job_item["closes_at"].startswith("2026-12-15")
    shown = json.loads(cli("items", "show", str(job_item["id"]), "--json").output)
    assert shown["id"] == job_item["id"] and "body_html" in shown
    assert json.loads(cli("items", "list", "--source", "news", "--since", "1d", "--json").output)
    assert json.loads(cli("items", "list", "--since", "2999-01-01", "--json").output) == []
    assert cli("items", "list", "--status", "pending").exit_code == 0
    bad = cli("items", "list", "--since", "yesterday-ish", ok=False)
    assert bad.exit_code == 2
    assert cli("items", "show", "99999", ok=False).exit_code == 4
    second = cli("crawl", "--source", "news", "--json").output  # none failed: exit 0
    assert json.loads(second)[0]["http"] == 304


def test_check_says_what_it_would_not_store(cli, kil_env, http_server, corpus_dir, monkeypatch):  # type: ignore[no-untyped-def]
    """Diputación de Valencia's job feed has items with no link nor guid: the check that
    stores nothing says why, not just "nothing would be stored"."""
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    name = "jobs/diputacion_valencia_rss091_public_job_offers_no_ids.xml"
    cli("sources", "add", "valencia", http_server.add_file(f"/{name}", corpus_dir / name))

    checked = json.loads(cli("sources", "check", "valencia", "--json").output)
    assert (checked["items"], checked["dropped"], checked["error"]) == ([], {"no url": 1}, None)
    shown = cli("sources", "check", "valencia").output
    assert "not stored: no url (1)" in shown and "nothing would be stored" in shown
