"""Real job adverts from the shared corpus, parsed the way the crawler meets them.

Tests assert on the strings these files actually contain rather than on copies, so a test
can only pass if the classifier copes with the publishers' own phrasing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import html_text
import pytest
from lxml import etree
from parsel import Selector


@pytest.fixture(scope="session")
def jobs_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "jobs"


@pytest.fixture(scope="session")
def nhs_postings(jobs_dir: Path) -> dict[str, dict[str, Any]]:
    """NHS Jobs JSON-LD JobPostings keyed by vacancy number ("915390428")."""
    postings = {}
    for path in sorted(jobs_dir.glob("nhsjobs_jobposting_*.json")):
        postings[path.stem.rsplit("_", 1)[1]] = json.loads(path.read_text("utf-8"))
    assert len(postings) == 10
    return postings


@pytest.fixture(scope="session")
def csj_results(jobs_dir: Path) -> list[dict[str, str]]:
    """The Civil Service Jobs search-results page, one dict per advert."""
    return _csj_rows(jobs_dir / "civilservicejobs_search_results_page1.html")


@pytest.fixture(scope="session")
def csj_results_page2(jobs_dir: Path) -> list[dict[str, str]]:
    """The second Civil Service Jobs search-results page, one dict per advert."""
    return _csj_rows(jobs_dir / "civilservicejobs_search_results_page2.html")


def _csj_rows(path: Path) -> list[dict[str, str]]:
    sel = Selector(text=path.read_bytes().decode("iso-8859-1"))
    rows = []
    for box in sel.css("li.search-results-job-box"):

        def field(name: str, box: Selector = box) -> str:
            return " ".join(box.css(f".search-results-job-box-{name} ::text").getall()).strip()

        rows.append(
            {
                "title": field("title"),
                "department": field("department"),
                "location": field("location"),
                "salary": field("salary"),
                "closes": field("closingdate"),
            }
        )
    assert len(rows) >= 20
    return rows


@pytest.fixture(scope="session")
def csj_detail(jobs_dir: Path) -> str:
    """Plain text of the Civil Service Jobs advert for Head of Policy Research."""
    raw = jobs_dir / "civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html"
    return html_text.extract_text(raw.read_bytes().decode("iso-8859-1"))


@pytest.fixture(scope="session")
def school_detail(jobs_dir: Path) -> str:
    """Plain text of the Jobs in Schools North East Assistant Headteacher advert."""
    raw = (jobs_dir / "jobsinschoolsnortheast_assistant_headteacher.html").read_text("utf-8")
    return html_text.extract_text(raw)


def _xml_items(path: Path, item_tag: str) -> list[dict[str, str]]:
    """Child texts of each `item_tag` element; lxml's recover mode copes with broken feeds."""
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(recover=True))
    items = []
    for item in root.iter(item_tag):
        fields: dict[str, str] = {}
        for child in item.iter():
            if isinstance(child.tag, str) and child is not item and child.text:
                local = etree.QName(child).localname
                fields.setdefault(local, child.text.strip())
                if local == "category" and child.get("domain"):
                    fields.setdefault(child.get("domain"), child.text.strip())
        items.append(fields)
    return items


@pytest.fixture(scope="session")
def ats_vacancies(jobs_dir: Path) -> dict[str, dict[str, str]]:
    """One vacancy from each school-trust ATS feed, by file stem."""
    files = {
        "united_learning_current-vacancies_feed": "Vacancy",
        "ventrus_current-vacancies_feed_MALFORMED": "Vacancy",
        "vacancy_poster_ats_feed_no_rss_root": "item",
        "ark_engageats_vacancies_feed_MALFORMED": "item",
    }
    out = {}
    for stem, tag in files.items():
        items = _xml_items(jobs_dir / f"{stem}.xml", tag)
        assert items, stem
        out[stem] = items[0]
    return out


@pytest.fixture(scope="session")
def itrent(jobs_dir: Path) -> dict[str, Any]:
    data = json.loads((jobs_dir / "itrent_requisition.json").read_text("utf-8"))
    return data["RequisitionData"]["requisition"][0]


@pytest.fixture(scope="session")
def schemaorg_example(jobs_dir: Path) -> dict[str, Any]:
    """The JSON-LD JobPosting from schema.org example eg-0028 (a US job)."""
    text = jobs_dir / "schemaorg_example_eg-0028_jobposting_plain_microdata_rdfa_jsonld.txt"
    body = re.search(r'<script type="application/ld\+json">(.*?)</script>', text.read_text(), re.S)
    assert body
    return json.loads(body.group(1))
