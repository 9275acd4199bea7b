"""How adverts read through the crawl's own path (advert reader or JobPosting, then the
validate, normalise and classify pipelines): pay, IR35, contract length and region.

The adverts here are short test inputs in the phrasing UK job boards use, not real
documents."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import pytest

from crawler.extract.advert import advert_from_html
from crawler.extract.jobs import posting_to_item
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline


def through_pipelines(item: dict[str, Any]) -> dict[str, Any]:
    item["collected_at"] = datetime(2027, 6, 1, tzinfo=UTC)
    for stage in (ValidatePipeline(), NormalisePipeline(), ClassifyPipeline(None)):
        item = stage.process_item(item)
    return item


def plain_advert(details: dict[str, str], prose: str) -> dict[str, Any]:
    """A page without JobPosting markup: a details list, the advert's prose, an apply link."""
    rows = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in details.items())
    page = f"""<html><head><title>Interim Procurement Manager | Acme Interim</title></head>
<body><h1>Interim Procurement Manager</h1><ul>{rows}<li>Closing date: 30 June 2027</li></ul>
<div><p>{html.escape(prose)}</p></div><a href="/apply/1">Apply now</a></body></html>"""
    item = advert_from_html(page, "https://jobs.example/roles/1")
    assert item is not None
    return through_pipelines(item)


def posting(description: str, **fields: Any) -> dict[str, Any]:
    """A JobPosting (JSON-LD) with this description through the pipelines."""
    node = {"@type": "JobPosting", "title": "Interim Commercial Lead", "datePosted": "2027-05-30"}
    node |= {"description": description, **fields}
    return through_pipelines(posting_to_item(node, "https://jobs.example/roles/2"))


def test_mojibake_pay_label_is_read_and_stored_as_typed() -> None:
    item = plain_advert(
        {"Salary": "Â£500 per day", "Location": "Leeds"},
        "Our client needs an interim procurement manager â€“ start ASAP.",
    )
    assert (item["pay_min"], item["pay_max"], item["pay_period"]) == (500, 500, "day")
    assert "Salary: £500 per day" in item["body_html"]
    assert "start ASAP" in item["summary"] and "–" in item["summary"]
    assert not any("Â" in item[k] or "â€" in item[k] for k in ("body_html", "summary", "title"))


def test_mojibake_in_a_jobposting_is_repaired() -> None:
    item = posting(
        "<p>Rate: Ã‚Â£550 per day. Our client, a Leeds council.</p>",
        title="Interim Category Manager â€“ Adult Social Care",
        hiringOrganization={"name": "Acme Interim"},
        jobLocation={"address": {"addressLocality": "Leeds"}},
    )
    assert item["title"] == "Interim Category Manager – Adult Social Care"
    assert "Rate: £550 per day" in item["body_html"]
    assert (item["pay_min"], item["pay_period"]) == (550, "day")


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("Umbrella / PAYE only. Start ASAP.", "inside"),
        ("Paid weekly via umbrella.", "inside"),
        ("PAYE through an umbrella company.", "inside"),
        ("Outside IR35 (TBC).", None),
        ("IR35 status TBC.", None),
        ("IR35: to be confirmed.", None),
        ("IR35 determination pending.", None),
        ("This role sits outside of IR35.", "outside"),
    ],
)
def test_ir35_reading(prose: str, expected: str | None) -> None:
    item = plain_advert({"Rate": "£500 per day"}, f"Our client needs a category lead. {prose}")
    assert item["ir35"] == expected


@pytest.mark.parametrize(
    ("details", "prose", "duration", "months"),
    [
        ({}, "A 3-6 month contract to reset the pipeline.", "3–6 months", (3, 6)),
        ({}, "Interim role for 3 to 6 months.", "3–6 months", (3, 6)),
        ({"Duration": "6-12 months"}, "Lead the category team.", "6-12 months", (6, 12)),
        ({"Duration": "6 months"}, "Lead the category team.", "6 months", (6, None)),
    ],
)
def test_contract_length_range(
    details: dict[str, str], prose: str, duration: str, months: tuple[float, float | None]
) -> None:
    extra = plain_advert({"Rate": "£500 per day", **details}, prose)["extra"]
    assert extra["duration"] == duration
    assert (extra["duration_months"], extra.get("duration_months_max")) == months


def test_contract_length_range_from_a_job_feed_body() -> None:
    """A JobPosting's description is read by the classify pipeline (no label reader)."""
    extra = posting("<p>An initial 6-12 months assignment, £600 per day.</p>")["extra"]
    assert extra["duration"] == "6–12 months"
    assert (extra["duration_months"], extra["duration_months_max"]) == (6, 12)


EVERY_REGION = [
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West", "Wales", "Scotland",
    "Northern Ireland",
]  # fmt: skip


@pytest.mark.parametrize(
    ("location", "prose", "regions"),
    [
        ("Remote", "Our client, a London borough, needs a category lead.", EVERY_REGION),
        (None, "Fully remote. Our client, a London borough, needs a lead.", EVERY_REGION),
        ("Nationwide", "Our client, a Leeds council, needs a lead.", EVERY_REGION),
        (None, "UK-wide role. Our client is a London borough.", EVERY_REGION),
        ("Home based", "Our client, a Birmingham council, needs a lead.", EVERY_REGION),
        ("Remote - Scotland", "Our client, a London borough.", ["Scotland"]),
        (
            "Hybrid, 2 days in Leeds",
            "Remote working the rest of the week.",
            ["Yorkshire and The Humber"],
        ),
        (
            None,
            "Our client, a nationwide housing association in Leeds.",
            ["Yorkshire and The Humber"],
        ),
        (None, "Commissioning home-based care in Leeds.", ["Yorkshire and The Humber"]),
        (None, "This is not a remote role: based in Leeds.", ["Yorkshire and The Humber"]),
        # travel around the country from a base is not a role worked from anywhere
        (None, "Nationwide travel required. Based in Leeds.", ["Yorkshire and The Humber"]),
        # a national, many-site role is in every region, whatever postcode the advert gives
        ("UK Sites", "Head office: EC3R 5AR.", EVERY_REGION),
        ("Various UK sites", "Our client, a London trust (EC3R 5AR).", EVERY_REGION),
        ("Multiple locations across the UK", "Head office: London EC3R 5AR.", EVERY_REGION),
        ("Sites throughout the United Kingdom", "Our client, a Leeds council.", EVERY_REGION),
        (None, "Location: Various UK sites. Head office EC3R 5AR.", EVERY_REGION),
        # ... unless it names the sites
        (
            "Various UK sites: Leeds and Bristol",
            "A council client.",
            ["Yorkshire and The Humber", "South West"],
        ),
        # a located role that travels around the country stays where it is
        ("London (EC3R) with occasional UK travel", "A council client.", ["London"]),
        ("London EC3R 5AR", "Travel to sites across the UK.", ["London"]),
        (None, "Our client has sites across the UK. The role is in London EC3R 5AR.", ["London"]),
    ],
)
def test_remote_and_nationwide_roles_are_in_every_region(
    location: str | None, prose: str, regions: list[str]
) -> None:
    details = {"Rate": "£500 per day"} | ({"Location": location} if location else {})
    assert plain_advert(details, prose)["regions"] == regions


@pytest.mark.parametrize(
    ("location", "prose", "regions"),
    [
        ("Home-based; travel across the North West", "Our client needs a lead.", ["North West"]),
        (None, "Home-based; travel across the North West. A council client.", ["North West"]),
        ("Remote with occasional travel to Manchester", "A council client.", ["North West"]),
        ("Home based", "Occasional travel to Birmingham.", ["West Midlands"]),
        ("Hybrid - 2 days in Leeds", "Our client needs a lead.", ["Yorkshire and The Humber"]),
        (
            "Fully remote",
            "Quarterly team days in our London office; visits to Cardiff and Bristol.",
            ["London", "Wales", "South West"],
        ),
        (None, "Home based, covering Scotland and the North East.", ["Scotland", "North East"]),
        # the advert's location names a region or a place: the role is worked from there
        ("North West", "Home based. Our client needs a lead.", ["North West"]),
        ("Yorkshire", "Fully remote role for a council client.", ["Yorkshire and The Humber"]),
        ("Leeds", "This is a home-based role.", ["Yorkshire and The Humber"]),
        ("Home based, Greater Manchester", "A council client.", ["North West"]),
        # a place the text merely names, or travel ruled out, leaves it open to everyone
        ("Fully remote", "No travel to London required. A Leeds council.", EVERY_REGION),
        ("Home based", "Acme Ltd, Registered office in Manchester M1 1AE.", EVERY_REGION),
    ],
)
def test_a_remote_role_tied_to_a_place_is_in_its_region(
    location: str | None, prose: str, regions: list[str]
) -> None:
    """A home-based or remote role that travels to a place, or is partly worked there, is
    open to people within reach of it, not to everyone (it read as every region)."""
    details = {"Rate": "£500 per day"} | ({"Location": location} if location else {})
    assert plain_advert(details, prose)["regions"] == regions


def test_a_jobposting_at_uk_sites_with_a_london_postcode_is_national() -> None:
    """NHS Jobs 915890207's jobLocation ("UK Sites", EC3R 5AR): the postcode is the
    employer's office, the locality says the role is at sites across the country."""
    place = {"address": {"addressLocality": "UK Sites", "postalCode": "EC3R 5AR"}}
    assert posting("<p>ENT Consultant.</p>", jobLocation=place)["regions"] == EVERY_REGION
    office = {"address": {"addressLocality": "London", "postalCode": "EC3R 5AR"}}
    text = "<p>Occasional travel to UK sites.</p>"
    assert posting(text, jobLocation=office)["regions"] == ["London"]


def test_a_telecommute_jobposting_that_travels_is_in_the_region_it_travels_to() -> None:
    item = posting(
        "<p>Home-based; travel across the North West. Hybrid - 2 days in Leeds.</p>",
        jobLocationType="TELECOMMUTE",
    )
    assert item["regions"] == ["North West", "Yorkshire and The Humber"]


def test_a_telecommute_jobposting_is_remote() -> None:
    item = posting("<p>Our client, a London borough. £600/day.</p>", jobLocationType="TELECOMMUTE")
    assert item["regions"] == EVERY_REGION
    assert item["location"] == "Remote"


def test_a_telecommute_jobposting_with_an_office_address_is_still_remote() -> None:
    """The address of a remote JobPosting is the employer's office (Google lets both be
    given): it does not make the job London's; an address abroad makes it no UK region's."""
    london = {"address": {"addressLocality": "London", "postalCode": "SW1A 2AA"}}
    remote = posting("<p>£600 per day.</p>", jobLocationType="TELECOMMUTE", jobLocation=london)
    assert remote["regions"] == EVERY_REGION and remote["location"] == "London"
    text = posting("<p>Fully remote role, £600 per day.</p>", jobLocation=london)
    assert text["regions"] == EVERY_REGION
    abroad = {"address": {"addressLocality": "Boston", "addressCountry": "US"}}
    assert posting("<p>Fully remote role.</p>", jobLocation=abroad)["regions"] == []


@pytest.mark.parametrize(
    ("rate", "prose", "expected"),
    [
        ("£65/hr umbrella", "", "inside"),
        ("£500 - £550 per day, umbrella", "", "inside"),
        ("£32.50 per hour PAYE", "", "inside"),
        ("£550 per day Umbrella / £650 Ltd", "", None),  # a Ltd rate beside it
        ("£400 - 450 per day inside IR35", "", "inside"),
        ("£600 pd", "Outside of IR35.", "outside"),
        ("£600 pd", "IR35: Inside", "inside"),
    ],
)
def test_rate_and_ir35_phrasings(rate: str, prose: str, expected: str | None) -> None:
    assert plain_advert({"Rate": rate}, f"Our client needs a lead. {prose}")["ir35"] == expected


@pytest.mark.parametrize(
    ("rate", "pay"),
    [
        ("£450-£550 p/d", (450, 550, "day")),
        ("up to £600/day", (None, 600, "day")),
        ("£65 per hour", (65, 65, "hour")),
        ("£500pd", (500, 500, "day")),
        ("500 GBP daily", (500, 500, "day")),
        ("£400 - 450 per day inside IR35", (400, 450, "day")),
        ("£500.00 - £550.00 per day", (500, 550, "day")),
        ("£450–£550/day", (450, 550, "day")),
        ("Â£450 - Â£550 per day", (450, 550, "day")),
    ],
)
def test_day_rate_phrasings(rate: str, pay: tuple[float | None, float, str]) -> None:
    item = plain_advert({"Rate": rate}, "Our client needs a lead.")
    assert (item["pay_min"], item["pay_max"], item["pay_period"]) == pay


@pytest.mark.parametrize(
    ("applicants", "regions"),
    [
        ({"@type": "Country", "name": "United Kingdom"}, EVERY_REGION),
        ({"@type": "Country", "name": "USA"}, []),  # schema.org's own example: US applicants
        ({"@type": "AdministrativeArea", "name": "Scotland"}, ["Scotland"]),
        ([{"@type": "AdministrativeArea", "name": "Greater Manchester"}], ["North West"]),
    ],
)
def test_a_telecommute_jobposting_open_to_applicants_in(
    applicants: object, regions: list[str]
) -> None:
    item = posting(
        "<p>Our client, a London borough. £600 per day.</p>",
        jobLocationType="TELECOMMUTE",
        applicantLocationRequirements=applicants,
    )
    assert item["regions"] == regions


REMOTE_ADVERT = """<html><head><meta charset="utf-8"><title>Interim Category Lead | Acme</title>
</head><body><h1>Interim Category Lead</h1><ul><li>Salary: Â£500 per day</li>
<li>Location: Fully remote</li><li>Closing date: 30 June 2027</li></ul><div><p>Our client, a
London borough, needs an interim category lead for a 3-6 month contract. Umbrella / PAYE
only.</p></div><a href="/apply/1">Apply now</a></body></html>"""


def test_a_remote_advert_as_a_crawl_stores_it(http_server, crawl_settings, crawl_engine):  # type: ignore[no-untyped-def]
    """The public path: a jobs source crawled over HTTP, its advert read and stored."""
    from tests.support.crawl import add_source, crawl, items_of

    url = http_server.add("/roles/1", REMOTE_ADVERT.encode(), "text/html; charset=utf-8")
    add_source(crawl_engine, "remote-advert", url, kind="jobs")
    crawl(crawl_settings)
    (job,) = items_of(crawl_engine, "remote-advert")
    assert (job.pay_min, job.pay_max, job.pay_period) == (500, 500, "day")
    assert "Salary: £500 per day" in job.body_html and "Â" not in job.body_html
    assert job.ir35 == "inside"
    assert job.regions == EVERY_REGION and job.location == "Fully remote"
    assert job.extra["duration"] == "3–6 months"
    assert (job.extra["duration_months"], job.extra["duration_months_max"]) == (3, 6)


# synthetic test input, not a real document: an ATS-style job feed (its own elements, as
# crawler/extract/jobfeed.py reads them) with a home-based role whose location is a region
REGION_JOB_FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Interim roles</title><item><title>Interim Category Manager</title>
<link>http://example.org/jobs/7</link><Job_Location>North West</Job_Location>
<Salary>£550 per day</Salary><description>Home based. Our client, a council, needs an interim
category manager for six months.</description></item></channel></rss>"""


def test_a_home_based_job_feed_role_located_in_a_region_is_in_it(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine
):
    """Crawled: 'Home based' with the location 'North West' read as every region."""
    from tests.support.crawl import add_source, crawl, items_of

    url = http_server.add("/jobs.xml", REGION_JOB_FEED.encode(), "application/rss+xml")
    add_source(crawl_engine, "region-feed", url, kind="jobs")
    crawl(crawl_settings)
    (job,) = items_of(crawl_engine, "region-feed")
    assert (job.location, job.regions) == ("North West", ["North West"])
