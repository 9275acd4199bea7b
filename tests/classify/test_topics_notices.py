"""The default topic rules on real procurement notices of the corpus, classified as the crawl
classifies them (title, description and CPV labels): agency and contingent labour, adult
social care, insourcing, contract changes, and the CPV labels that must not mislead."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.classify import topics_for
from crawler.ocds import compile_document, read_ocds
from crawler.ocds.item import notice_item
from crawler.pipelines.classify import ClassifyPipeline

CF_2022 = "contractsfinder_2022-10-20_ocds_search_100_releases.json"
CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"
SWANSEA = "sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json"
FTS = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"


@cache
def _notices(path: Path) -> dict[str, dict[str, Any]]:
    """title -> the notice item the spider makes, classified by the crawl's pipeline."""
    out = {}
    for notice in compile_document(read_ocds(path.read_bytes())):
        item = notice_item(notice["fields"], notice["compiled"], notice["history"],
                           fallback_url="https://example.org/ocds")  # fmt: skip
        out[item["title"]] = ClassifyPipeline().process_item(item)
    return out


@pytest.mark.parametrize(
    ("file", "title", "present", "absent"),
    [
        # "Managed Service Provider for Contingent Labour. Call-off from ESPO M-STAR4";
        # CPV 79620000 "Supply services of personnel including temporary staff"
        (CF_2025, "Contingent Labour Bridging Contract", {"recruitment", "outsourcing"}, set()),
        # "provision of temporary and permanent IT BAU staff"
        (CF_2025, "IDS Staffing Framework", {"recruitment", "procurement"}, set()),
        (CF_2025, "RBGKEW1381 - Executive Search Services - Director of IT (Chief Information "
         "Officer)", {"recruitment"}, set()),
        # "Social Worker and Adult Services residential requirements ... temp fill vacancies"
        (SWANSEA, "Framework Agreement for the Provision of Agency Social Workers and Adult "
         "Services Support Lots 1 & 2", {"recruitment", "adult-social-care"}, set()),
        (CF_2025, "Representative Body for Adult Social Care", {"adult-social-care"}, set()),
        # "Social Work England does not have an in-house audit capability"
        (CF_2022, "Internal Audit Services", {"outsourcing", "finance"}, set()),
        # the CPV label alone says what is bought: "Software package and information systems"
        (CF_2022, "Microsoft Licences", {"digital"}, set()),
        # CPV 79000000 "Business services: law, marketing, consulting, recruitment, printing
        # and security" hires no one
        (CF_2022, "Website for Atom Valley", set(), {"recruitment"}),
        # CPV "Installation services (except software)" is not software
        (CF_2022, "Regent Theatre Back of House Ventilation & Cooling", {"procurement"},
         {"digital"}),
        # a UK10 contract change notice
        (FTS, "Wholesaler/Retailer Risk Allocation Model", set(), {"recruitment"}),
    ],
)  # fmt: skip
def test_topics_of_real_notices(
    corpus_dir: Path, file: str, title: str, present: set[str], absent: set[str]
) -> None:
    item = _notices(corpus_dir / "ocds" / file)[title]
    topics = set(item["topics"])
    assert present <= topics, (title, item["topics"])
    assert not absent & topics, (title, item["topics"])


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Framework for the supply of agency staff and temporary workers", "recruitment"),
        ("Neutral vendor managed service for agency workers", "recruitment"),
        ("Call-off from the MSTAR4 framework for contingent labour", "recruitment"),
        ("The council will bring the service back in-house under TUPE", "outsourcing"),
        ("Award to the council's local authority trading company (Teckal)", "outsourcing"),
        ("Early termination of the contract with the incumbent", "contracts"),
        ("Procurement termination notice: the procurement is cancelled", "contracts"),
        ("Contract change notice: a modification under section 74", "contracts"),
        ("Social value is assessed with the National TOMs", "social-value"),
        ("Lots reserved for VCSE organisations", "social-value"),
        ("Home support and extra care housing for older people", "adult-social-care"),
        ("Supported living for adults with learning disabilities", "adult-social-care"),
        ("Recommissioning of the drug and alcohol service", "commissioning"),
    ],
)
def test_notice_phrasing_finds_its_topic(text: str, topic: str) -> None:
    assert topic in topics_for(text)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Testing and commissioning of the new boiler plant", "commissioning"),
        ("Business services: law, marketing, consulting, recruitment, printing and security",
         "recruitment"),
        ("Office and computing machinery, equipment and supplies except furniture and software "
         "packages", "digital"),
    ],
)  # fmt: skip
def test_notice_phrasing_avoids_false_topics(text: str, topic: str) -> None:
    assert topic not in topics_for(text)
