"""Buyers matched across notices, jobs and news; signals; `kil buyers list|show`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kil_feed.buyers import local_authorities, local_authority_code, name_key, register
from kil_feed.db import read_session
from kil_feed.storage.buyers import signals
from tests.support.crawl import FAST_CRAWL_ENV, add_source, crawl


@pytest.mark.parametrize(
    ("names", "key"),
    [
        # the issue's variants of one council
        (["Manchester City Council", "Manchester CC", "City of Manchester"], "manchester"),
        # real buyer names from the corpus notices, and how others write them
        (["Durham County Council", "DURHAM COUNTY COUNCIL", "Durham CC"], "durham"),
        (["London Borough of Merton", "Merton Council", "LB Merton Council"], "merton"),
        (["City & County of Swansea", "Swansea Council", "City and County of Swansea"],
         "swansea"),
        (["Solihull Metropolitan Borough Council", "Solihull MBC"], "solihull"),
        (["MET OFFICE", "Met Office"], "met office"),
        # NHS Jobs employers (corpus job pages) keep their words, but a trust's "NHS",
        # which one publisher writes and another leaves out
        (["Birmingham Community Healthcare NHS Foundation Trust",
          "Birmingham Community Healthcare NHS Foundation Trust ",
          "Birmingham Community Healthcare Foundation Trust"],
         "birmingham community healthcare foundation trust"),
        # "Herts" is Hertfordshire
        (["East Herts Council", "East Hertfordshire District Council"], "east hertfordshire"),
    ],
)  # fmt: skip
def test_name_variants_share_a_key(names: list[str], key: str) -> None:
    assert {name_key(n) for n in names} == {key}


def test_local_authorities_come_from_a_real_list() -> None:
    authorities = local_authorities()
    current = {la for la in register() if la.current}
    assert len(current) == 397 and current <= set(authorities.values())  # all tiers
    assert local_authority_code("Leeds City Council") == "GB-LDS"
    assert local_authority_code("Comhairle nan Eilean Siar") == "GB-ELS"
    assert local_authority_code("Royal Borough of Kensington and Chelsea") == "GB-KEC"
    assert local_authority_code("Nursing and Midwifery Council") is None
    assert local_authority_code("Manchester University NHS Foundation Trust") is None
    # a hospital trust in a council's town is not that council
    assert name_key("Manchester University NHS Foundation Trust") != name_key("Manchester CC")


def _job_json(now: datetime) -> str:
    return json.dumps([{
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": "Interim Procurement Manager", "url": "http://jobs.example/durham-1",
        "hiringOrganization": {"@type": "Organization", "name": "Durham County Council"},
        "datePosted": now.date().isoformat(),
        "validThrough": (now + timedelta(days=20)).date().isoformat(),
        "jobLocation": {"@type": "Place", "address": {"addressLocality": "Durham",
                                                      "postalCode": "DH1 5UL"}},
        "description": "Interim procurement manager for Durham County Council, £550 per day.",
    }])  # fmt: skip


def _news_rss(now: datetime) -> str:
    date = now.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>'
        "<link>http://news.example/</link><description>d</description><item>"
        "<title>Durham County Council restores peatland at Murton</title>"
        "<link>http://news.example/durham-peat</link>"
        f"<pubDate>{date}</pubDate><description>The council has appointed a contractor."
        "</description></item></channel></rss>"
    )


def test_signal_joins_an_award_to_the_buyers_jobs_and_news(  # type: ignore[no-untyped-def]
    http_server, kil_env, engine, cli, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    from kil_feed.config import load_settings

    now = datetime.now(UTC)
    record = (
        corpus_dir / "ocds" / "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"
    )
    add_source(engine, "fts-record", http_server.add_file("/ocds/durham.json", record),
               kind="notices", options={"api": "ocds"})  # fmt: skip
    add_source(engine, "jobs", http_server.add("/jobs.json", _job_json(now), "application/json"),
               kind="jobs", options={"mode": "json"})  # fmt: skip
    add_source(engine, "news", http_server.add("/news.rss", _news_rss(now), "application/rss+xml"))
    results = crawl(load_settings())
    assert all(r.new == 1 for r in results.values()), results

    listed = json.loads(cli("buyers", "list", "--json").output)
    assert [b["slug"] for b in listed] == ["durham-county-council"]
    durham = listed[0]
    assert durham["identifier"] == "GB-PPON-PMPB-8772-VYWM"
    assert durham["local_authority_code"] == "GB-DUR"
    assert durham["buyer_type"] == "local-authority" and durham["region"] == "North East"
    assert (durham["notices"], durham["jobs"]) == (1, 1)

    shown = json.loads(cli("buyers", "show", "durham-county-council", "--json").output)
    assert [j["title"] for j in shown["jobs"]] == ["Interim Procurement Manager"]
    assert [n["title"] for n in shown["news"]] == [
        "Durham County Council restores peatland at Murton"
    ]
    assert shown["notices"][0]["signal"] == (
        "Durham County Council: contract details published for Murton MOD Area Victor West "
        "Peatland Restoration Project · £395,493 · supplier Dinsdale Moorland Specialists Ltd"
        " · 1 interim job at Durham County Council · 1 story"
    )
    with read_session(engine) as session:
        found = signals(session=session, since=now - timedelta(days=1))
    assert len(found) == 1 and found[0].buyer is not None
    assert found[0].buyer.slug == "durham-county-council"
    assert len(found[0].jobs) == 1 and len(found[0].news) == 1

    missing = cli("buyers", "show", "nobody", ok=False)
    assert missing.exit_code != 0 and "no buyer 'nobody'" in missing.output

    # the newsletter: the award is a signal in its own section, with the buyer's job and story
    from sqlalchemy import update

    from kil_feed.db import write_session
    from kil_feed.models import Item
    from newsletter.build import build_issue
    from newsletter.content import load_issue_content
    from newsletter.render import Audience, Renderer, sections_for

    with write_session(engine) as session:
        session.execute(update(Item).values(status="approved"))
    settings = load_settings()
    issue = build_issue(engine, settings, now=datetime.now(UTC))
    assert issue is not None and issue.id is not None
    content = load_issue_content(engine, issue.id)
    titles = {s.title: [c.title for c in s.cards] for s in sections_for(content, Audience())}
    assert titles["Signals"] == ["Murton MOD Area Victor West Peatland Restoration Project"]
    near = {s.title for s in sections_for(content, Audience(regions=frozenset({"North East"})))}
    assert "Near you: signals" in near
    text = Renderer(settings, content).render(Audience()).text
    assert "1 interim job at Durham County Council" in " ".join(text.split())
