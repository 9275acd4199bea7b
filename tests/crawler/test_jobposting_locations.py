"""A JobPosting with several jobLocations is in all of them (synthetic posting)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.jobs import posting_to_item
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline


def _place(locality: str) -> dict[str, object]:
    return {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": locality}}


def _classified(node: dict[str, object]) -> dict[str, object]:
    item = posting_to_item(node, "https://jobs.example/1")
    item["collected_at"] = datetime(2026, 12, 1, tzinfo=UTC)
    for stage in (ValidatePipeline(), NormalisePipeline(), ClassifyPipeline(None)):
        item = stage.process_item(item)
    return item


def test_every_job_location_counts() -> None:
    item = _classified(
        {
            "@type": "JobPosting",
            "title": "Interim Procurement Manager",
            "description": "<p>A six month interim assignment across two offices.</p>",
            "jobLocation": [_place("Cardiff"), _place("Belfast"), _place("Cardiff")],
        }
    )
    assert item["location"] == "Cardiff / Belfast"
    assert item["regions"] == ["Wales", "Northern Ireland"]


def test_one_job_location_in_a_list() -> None:
    item = _classified(
        {"@type": "JobPosting", "title": "Category Manager", "jobLocation": [_place("Leeds")]}
    )
    assert (item["location"], item["regions"]) == ("Leeds", ["Yorkshire and The Humber"])
