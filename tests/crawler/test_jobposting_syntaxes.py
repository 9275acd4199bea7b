"""A page that gives one JobPosting in two syntaxes (microdata and JSON-LD, as schema.org's
own example eg-0028 does) yields one job, the richer reading filled in from the other; a
page with different postings still yields each of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.extract.jobs import jobs_from_html

EG_0028 = "jobs/schemaorg_example_eg-0028_jobposting_plain_microdata_rdfa_jsonld.txt"


def test_schemaorg_example_in_four_renderings_is_one_job(corpus_dir: Path) -> None:
    page = (corpus_dir / EG_0028).read_text("utf-8")
    jobs = jobs_from_html(page, "https://schema.org/JobPosting")
    assert len(jobs) == 1
    (job,) = jobs
    # the microdata names the employer, the JSON-LD does not: the one job keeps it
    assert (job["title"], job["employer"], job["location"]) == (
        "Software Engineer",
        "ABC Company Inc.",
        "Kirkland, WA",
    )
    assert job["base_salary"] == {"currency": "USD", "value": "100000"}


# synthetic pages, built here: one posting as JSON-LD plus a thinner microdata copy
def _jsonld(title: str, town: str, **extra: Any) -> str:
    node = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": title,
        "datePosted": "2026-11-02",
        "hiringOrganization": {"@type": "Organization", "name": "Leeds City Council"},
        "jobLocation": {"@type": "Place", "address": {"addressLocality": town}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "GBP", "value": 600},
        **extra,
    }
    return f'<script type="application/ld+json">{json.dumps(node)}</script>'


def _microdata(title: str, town: str) -> str:
    return f"""<div itemscope itemtype="https://schema.org/JobPosting">
 <h1 itemprop="title">{title}</h1>
 <div itemprop="jobLocation" itemscope itemtype="https://schema.org/Place">
  <span itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
   <span itemprop="addressLocality">{town}</span></span></div>
 <div itemprop="description"><p>Interim, £600 per day, outside IR35.</p></div>
</div>"""


def _page(head: str, body: str) -> str:
    return f"<html><head><title>Job</title>{head}</head><body>{body}</body></html>"


def test_one_posting_in_two_syntaxes_is_merged() -> None:
    page = _page(
        _jsonld("Interim Contracts Manager", "Leeds"),
        _microdata("Interim Contracts Manager", "Leeds"),
    )
    jobs = jobs_from_html(page, "https://jobs.example/1")
    assert len(jobs) == 1
    job = jobs[0]
    assert job["employer"] == "Leeds City Council"  # only the JSON-LD has it
    assert "outside IR35" in job["body_html"]  # only the microdata has it
    assert job["published_raw"] == "2026-11-02"


def test_different_postings_on_one_page_stay_apart() -> None:
    page = _page(
        _jsonld("Interim Contracts Manager", "Leeds"),
        _microdata("Interim Category Lead", "Leeds")
        + _microdata("Interim Contracts Manager", "Bradford"),
    )
    jobs = jobs_from_html(page, "https://jobs.example/list")
    assert sorted((j["title"], j["location"]) for j in jobs) == [
        ("Interim Category Lead", "Leeds"),
        ("Interim Contracts Manager", "Bradford"),
        ("Interim Contracts Manager", "Leeds"),
    ]


def test_postings_with_different_identifiers_stay_apart() -> None:
    page = _page(
        _jsonld("Social Worker", "Leeds", identifier="SW-1")
        + _jsonld("Social Worker", "Leeds", identifier="SW-2"),
        "",
    )
    jobs = jobs_from_html(page, "https://jobs.example/list")
    assert [j["guid"] for j in jobs] == ["SW-1", "SW-2"]
