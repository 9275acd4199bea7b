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
    node = {
        "@type": "JobPosting",
        "title": "Interim Category Manager â€“ Adult Social Care",
        "description": "<p>Rate: Ã‚Â£550 per day. Our client, a Leeds council.</p>",
        "hiringOrganization": {"name": "Acme Interim"},
        "jobLocation": {"address": {"addressLocality": "Leeds"}},
        "datePosted": "2027-05-30",
    }
    item = through_pipelines(posting_to_item(node, "https://jobs.example/roles/2"))
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
