"""A JobPosting nested in another schema.org node (WebPage.mainEntity, @graph, an ItemList's
ListItem.item, a list @type), in JSON-LD and in microdata, is found by a real crawl."""

from __future__ import annotations

import json
from typing import Any

from crawler.extract.jobs import jobs_from_html, jobs_from_json
from tests.support.crawl import add_source, crawl, items_of


def _posting(title: str, employer: str, town: str, **extra: Any) -> dict[str, Any]:
    return {
        "@type": "JobPosting",
        "title": title,
        "datePosted": "2026-11-02",
        "validThrough": "2026-12-01",
        "description": f"<p>{title}: interim contract, £550 per day, inside IR35.</p>",
        "hiringOrganization": {"@type": "Organization", "name": employer},
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": town},
        },
        **extra,
    }


def _page(*blocks: Any) -> str:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in blocks
    )
    return (
        f"<html><head><title>Vacancy</title>{scripts}</head><body><p>Apply now.</p></body></html>"
    )


MICRODATA = """<html><body>
<div itemscope itemtype="https://schema.org/WebPage"><h1 itemprop="name">Vacancy</h1>
 <div itemprop="mainEntity" itemscope itemtype="https://schema.org/JobPosting">
  <h2 itemprop="title">Interim Contracts Manager</h2>
  <span itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
   <span itemprop="name">Leeds City Council</span></span>
  <div itemprop="description"><p>Interim, £600 per day.</p></div>
  <meta itemprop="datePosted" content="2026-11-03">
 </div></div>
<div itemscope itemtype="https://schema.org/ItemList">
 <div itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">
  <meta itemprop="position" content="1">
  <div itemprop="item" itemscope itemtype="https://schema.org/JobPosting">
   <h2 itemprop="title">Interim Category Lead</h2>
   <a itemprop="url" href="/jobs/category-lead">more</a>
   <span itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
    <span itemprop="name">Kent County Council</span></span>
   <meta itemprop="datePosted" content="2026-11-04">
  </div></div></div>
</body></html>"""


def test_nested_jobpostings_are_crawled(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    pages = {
        "/jobs/2001-main-entity": _page(
            {
                "@context": "https://schema.org",
                "@type": "WebPage",
                "name": "Vacancy",
                "mainEntity": _posting("Interim Procurement Lead", "Cardiff Council", "Cardiff"),
            }
        ),
        "/jobs/2002-graph": _page(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Jobs"},
                    {
                        "@type": "WebPage",
                        "mainEntity": _posting("Category Manager", "Leeds City Council", "Leeds"),
                    },
                ],
            }
        ),
        "/jobs/2003-item-list": _page(
            {
                "@context": "https://schema.org",
                "@type": "ItemList",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": i + 1,
                        "item": _posting(title, "Norfolk County Council", "Norwich", url=url),
                    }
                    for i, (title, url) in enumerate(
                        [
                            ("Commissioning Officer", "http://127.0.0.1/jobs/a"),
                            ("Contracts Officer", "http://127.0.0.1/jobs/b"),
                        ]
                    )
                ],
            }
        ),
        "/jobs/2004-type-list": _page(
            {
                "@context": "https://schema.org",
                **_posting("Interim Buyer", "Durham County Council", "Durham"),
                "@type": ["JobPosting", "Thing"],
            }
        ),
        "/jobs/2005-microdata": MICRODATA,
    }
    for path, body in pages.items():
        http_server.add(path, body)
    links = "".join(f'<a href="{p}">{p}</a>' for p in pages)
    listing = http_server.add("/jobs/", f"<html><body>{links}</body></html>")
    add_source(crawl_engine, "nested", listing, kind="jobs", options={"follow_pattern": "/jobs/2"})

    summaries = crawl(crawl_settings, ["nested"])

    assert summaries["nested"].error is None
    jobs = {j.title: j for j in items_of(crawl_engine, "nested")}
    assert set(jobs) == {
        "Interim Procurement Lead",
        "Category Manager",
        "Commissioning Officer",
        "Contracts Officer",
        "Interim Buyer",
        "Interim Contracts Manager",
        "Interim Category Lead",
    }
    # read from the posting's own fields, not guessed from the page's text
    assert all((j.extra or {}).get("extraction") == "jobposting" for j in jobs.values())
    lead = jobs["Interim Procurement Lead"]
    assert (lead.employer, lead.location, lead.pay_min) == ("Cardiff Council", "Cardiff", 550)
    assert jobs["Contracts Officer"].employer == "Norfolk County Council"
    assert jobs["Interim Category Lead"].employer == "Kent County Council"


def _nest(node: dict[str, Any], levels: int) -> dict[str, Any]:
    for _ in range(levels):
        node = {"@type": "WebPage", "hasPart": [node]}
    return node


def test_nesting_is_searched_to_a_bounded_depth() -> None:
    posting = _posting("Interim Buyer", "Durham County Council", "Durham")
    assert [j["title"] for j in jobs_from_json(json.dumps(_nest(posting, 6)), "http://x/")] == [
        "Interim Buyer"
    ]
    assert jobs_from_json(json.dumps(_nest(posting, 40)), "http://x/") == []


def test_a_posting_is_not_searched_for_more_postings_and_is_found_once() -> None:
    inner = _posting("Similar job", "Kent County Council", "Maidstone")
    outer = _posting("Interim Buyer", "Durham County Council", "Durham", **{"@id": "#job"})
    outer["relatedLink"] = inner  # not a second posting of this page
    page = _page({"@graph": [outer, {"@type": "WebPage", "mainEntity": outer}]})
    assert [j["title"] for j in jobs_from_html(page, "http://x/job")] == ["Interim Buyer"]
