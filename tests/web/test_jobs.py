"""The jobs board filters and the job page with its JobPosting JSON-LD."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage.items import save_item
from tests.support.webdata import Archive


def job_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"><a href="/jobs/\d+">([^<]+)</a>', html)


def test_jobs_hide_closed_and_unapproved_by_default(client: TestClient) -> None:
    found = job_titles(client.get("/jobs").text)
    assert set(found) == {
        "Interim Head of Procurement",
        "Category Manager, Adult Social Care",
        "Commissioning Lead",
    }


def test_closed_jobs_shown_on_request_marked_closed(client: TestClient) -> None:
    html = client.get("/jobs", params={"closed": "1"}).text
    assert "Contracts Manager" in job_titles(html)
    assert "badge-closed" in html
    assert "Unreviewed procurement job" not in html


def test_jobs_filter_by_region(client: TestClient) -> None:
    assert job_titles(client.get("/jobs", params={"region": "North West"}).text) == [
        "Interim Head of Procurement"
    ]
    assert job_titles(client.get("/jobs", params={"region": "London"}).text) == [
        "Commissioning Lead"
    ]
    assert job_titles(client.get("/jobs", params={"region": "Atlantis"}).text) == []


def test_jobs_filter_by_contract_type(client: TestClient) -> None:
    assert job_titles(client.get("/jobs", params={"contract_type": "contract"}).text) == [
        "Category Manager, Adult Social Care"
    ]


def test_jobs_filter_by_day_rate_range(client: TestClient) -> None:
    # 500+: only the 550-650 role (yearly pay never matches a day-rate filter)
    assert job_titles(client.get("/jobs", params={"rate_min": "500"}).text) == [
        "Interim Head of Procurement"
    ]
    assert job_titles(client.get("/jobs", params={"rate_max": "£500"}).text) == [
        "Category Manager, Adult Social Care"
    ]
    both = client.get("/jobs", params={"rate_min": "400", "rate_max": "600"}).text
    assert set(job_titles(both)) == {
        "Interim Head of Procurement",
        "Category Manager, Adult Social Care",
    }
    # junk rates are a 422 with the page and a message, never an unfiltered list
    junk = client.get("/jobs", params={"rate_min": "lots", "rate_max": "1e999"})
    assert junk.status_code == 422 and "invalid rate_min" in junk.text
    assert job_titles(junk.text) == [] and 'name="rate_min"' in junk.text


def jsonld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


def test_job_page_has_google_jobposting_properties(client: TestClient, archive: Archive) -> None:
    page = client.get(f"/jobs/{archive.items['head']}")
    assert page.status_code == 200
    data = jsonld(page.text)
    assert data["@context"].startswith("https://schema.org")
    assert data["@type"] == "JobPosting"
    for required in ("title", "description", "datePosted", "hiringOrganization", "jobLocation"):
        assert data[required], required
    assert data["title"] == "Interim Head of Procurement"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Manchester City Council",
    }
    assert data["jobLocation"]["address"]["addressLocality"] == "Manchester"
    assert data["jobLocation"]["address"]["addressRegion"] == "North West"
    assert data["jobLocation"]["address"]["addressCountry"] == "GB"
    assert data["validThrough"].startswith("20")
    assert data["employmentType"] == "CONTRACTOR"
    salary = data["baseSalary"]
    assert salary["currency"] == "GBP"
    assert salary["value"] == {
        "@type": "QuantitativeValue", "minValue": 550, "maxValue": 650, "unitText": "DAY"
    }  # fmt: skip
    assert "<script" not in data["description"]  # sanitised body
    assert "<strong>category teams</strong>" in data["description"]
    # the apply link goes to the source; the page is open
    assert 'href="https://jobs.example/head-of-procurement"' in page.text
    assert "Apply at Interim Board" in page.text
    assert "Closed." not in page.text


def test_yearly_pay_uses_year_unit_and_full_time(client: TestClient, archive: Archive) -> None:
    data = jsonld(client.get(f"/jobs/{archive.items['commissioning']}").text)
    assert data["baseSalary"]["value"]["unitText"] == "YEAR"
    assert data["employmentType"] == "FULL_TIME"
    assert "validThrough" not in data  # no closing date known


def test_closed_job_page_says_closed(client: TestClient, archive: Archive) -> None:
    page = client.get(f"/jobs/{archive.items['closed']}")
    assert page.status_code == 200
    assert "Closed." in page.text and "Apply at" not in page.text
    assert (
        jsonld(page.text)["validThrough"]
        < jsonld(client.get(f"/jobs/{archive.items['head']}").text)["validThrough"]
    )


def test_job_page_404_for_unapproved_news_or_missing(client: TestClient, archive: Archive) -> None:
    for name in ("pending_job", "insourcing"):
        assert client.get(f"/jobs/{archive.items[name]}").status_code == 404
    assert client.get("/jobs/424242").status_code == 404


def test_jsonld_cannot_break_out_of_its_script(
    client: TestClient, engine, archive: Archive
) -> None:
    from kil_feed.db import write_session
    from kil_feed.models import Item

    with write_session(engine) as s:
        item = s.get(Item, archive.items["head"])
        item.title = "Buyer </script><script>alert(1)</script>"
        s.add(item)
    html = client.get(f"/jobs/{archive.items['head']}").text
    assert "</script><script>alert(1)" not in html
    assert jsonld(html)["title"] == "Buyer"  # plain text, as the page shows it


def test_capped_counts_still_page_on(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kil_feed.storage import web as store

    monkeypatch.setattr(store, "COUNT_CAP", 1)
    client.app.state.settings.web.page_size = 1
    first = client.get("/jobs").text
    assert "1+ jobs" in first and 'rel="next" href="?page=2"' in first
    third = client.get("/jobs", params={"page": 3}).text
    assert len(job_titles(third)) == 1 and "Page 3" in third


def test_pages_by_pay_are_next_and_previous_not_older(client: TestClient) -> None:
    """Sorted by pay, the second page holds lower pay, not older jobs: "Older →" said so."""
    client.app.state.settings.web.page_size = 1  # type: ignore[attr-defined]
    by_pay = client.get("/jobs", params={"sort": "pay", "page": 2}).text
    assert 'href="?sort=pay&amp;page=3">Next →' in by_pay and "← Previous" in by_pay
    assert "Older →" not in by_pay
    newest = client.get("/jobs", params={"page": 2}).text
    assert 'href="?page=3">Older →' in newest and "← Newer" in newest


def test_a_uk_wide_job_is_in_every_region_and_shown_once(
    client: TestClient, archive: Archive, engine: Engine
) -> None:
    """A remote or nationwide role (every region, `crawler.classify.job_regions`) is listed
    under each region and labelled UK-wide, not with twelve region names."""
    with write_session(engine) as s:
        job = s.get(Item, archive.items["head"])
        assert job is not None
        job.regions = list(ITL1_REGIONS)
        job.location = None
        save_item(job, session=s)
    for region in ("London", "Scotland"):
        assert "Interim Head of Procurement" in job_titles(
            client.get("/jobs", params={"region": region}).text
        )
    listing = client.get("/jobs").text
    assert '<span class="tag tag-region">UK-wide</span>' in listing
    assert "/jobs?region=north-east" not in listing.split("Interim Head of Procurement")[1]
    page = client.get(f"/jobs/{archive.items['head']}").text
    assert "<dt>Region</dt><dd>UK-wide</dd>" in page
    assert "addressRegion" not in jsonld(page)["jobLocation"]["address"]
