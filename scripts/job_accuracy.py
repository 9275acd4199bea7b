"""Per-field accuracy of job extraction + classification on every corpus job advert.

python scripts/job_accuracy.py [CORPUS_DIR] [--without-fallback]

Each document goes through the crawler's own code, as a crawl would run it: JobPosting
JSON-LD (`crawler.extract.jobs`) or, for pages without markup, the plain-advert reader
(`crawler.extract.advert`; `--without-fallback` skips it, which is how the crawler behaved
before), then the validate, normalise and classify pipelines. The expected values below
were read by hand from each document (its JSON-LD, its labels and its text); a document
that yields no job counts every field as wrong. Prints one line per field and the misses.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.extract.advert import advert_from_html
from crawler.extract.jobs import jobs_from_html, jobs_from_json
from crawler.pipelines.classify import ClassifyPipeline
from crawler.pipelines.normalise import NormalisePipeline
from crawler.pipelines.validate import ValidatePipeline

FIELDS = ("title", "employer", "regions", "contract_type", "pay", "closes", "duration")
# document -> expected values (None: the document does not state it)
TRUTH: dict[str, dict[str, Any]] = {
    "civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html": {
        "title": "Head of Policy Research", "employer": "House of Lords", "regions": ["London"],
        "contract_type": "fixed-term", "pay": (53730, 53730, "year"), "closes": "2023-07-02",
        "duration": 24,
    },
    "jobsinschoolsnortheast_assistant_headteacher.html": {
        "title": "Assistant Headteacher", "employer": "Churchill Community College",
        "regions": ["North East"], "contract_type": "permanent",
        "pay": None,  # "Leadership Scale L12-16": a scale, no figure
        "closes": "2018-03-27", "duration": None,
    },
    "nhsjobs_jobposting_915390428.json": {
        "title": "Salaried GP/Lead Gp", "employer": "Central Advertising - General Practitioners",
        "regions": ["East of England"], "contract_type": None, "pay": None,
        "closes": "2020-12-31", "duration": None,
    },
    "nhsjobs_jobposting_915703330.json": {
        "title": "RMN £3,000 Welcome Bonus", "employer": "Priory Group",
        "regions": ["West Midlands"], "contract_type": None, "pay": (27373.5, 34510, "year"),
        "closes": "2020-11-27", "duration": None,
    },
    "nhsjobs_jobposting_915809698.json": {
        "title": "Staff Nurse RMN/RNLD - £3,000 Welcome to Priory Bonus",
        "employer": "Priory Group", "regions": ["Wales"], "contract_type": None,
        "pay": (28071, 33411, "year"), "closes": "2020-11-27", "duration": None,
    },
    "nhsjobs_jobposting_915809751.json": {
        "title": "Bank Staff Nurse RMN/RNLD", "employer": "Priory Group", "regions": ["Wales"],
        "contract_type": "fixed-term",
        "pay": (17.69, 20, "hour"),  # "£17.69 p/h £20 p/h on Nights & Weekends"
        "closes": "2020-11-27", "duration": None,
    },
    "nhsjobs_jobposting_915857272.json": {
        "title": "Band 6 Bank Physiotherapist", "employer": "Leicestershire Partnership Trust",
        "regions": ["East Midlands"], "contract_type": "fixed-term", "pay": None,
        "closes": "2021-01-04", "duration": None,
    },
    "nhsjobs_jobposting_915876706.json": {
        "title": "Bank Level 5 Registered Nurse - Community",
        "employer": "Birmingham Community Healthcare NHS Foundation Trust",
        "regions": ["West Midlands"], "contract_type": "fixed-term",
        "pay": (14.91, 14.91, "hour"),  # "£14.91 per hour", JSON-LD annualised to 25063
        "closes": "2021-09-21", "duration": None,
    },
    "nhsjobs_jobposting_915890207.json": {
        "title": "ENT Consultant", "employer": "18 Week Support", "regions": ["London"],
        "contract_type": None,  # sessional; "locum" only in "normal with agency or locum staff"
        "pay": None, "closes": "2020-12-31", "duration": None,
    },
    "nhsjobs_jobposting_915891342.json": {
        "title": "GP - Permanent or Salaried Vacancies",
        "employer": "General Practices in W, N,E Cumbria", "regions": ["North West"],
        "contract_type": "permanent", "pay": (85000, 85000, "year"), "closes": "2021-03-31",
        "duration": None,
    },
    "nhsjobs_jobposting_915931156.json": {
        "title": "Locum Consultant Oncologist",
        "employer": "South Tees Hospitals NHS Foundation Trust", "regions": ["North East"],
        "contract_type": "interim", "pay": None, "closes": "2021-01-20",
        "duration": 6,  # "for an initial 6 month period"
    },
    "nhsjobs_jobposting_916234107.json": {
        "title": "Interim Clinical Manager (RMN/RNLD)", "employer": "Cygnet Health Care",
        "regions": ["Yorkshire and The Humber"], "contract_type": "interim",
        "pay": (55000, 55000, "year"), "closes": "2020-11-16",
        "duration": 3,  # "Interim position - 3 months"
    },
}  # fmt: skip


def read(path: Path, *, fallback: bool) -> dict[str, Any] | None:
    """The first job the crawler's code gets from a document, after its pipelines."""
    url = f"https://example.org/{path.name}"
    raw = path.read_bytes()
    if path.suffix == ".json":
        jobs = jobs_from_json(raw, url)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        jobs = jobs_from_html(text, url)
        if not jobs and fallback and (advert := advert_from_html(text, url)):
            jobs = [advert]
    if not jobs:
        return None
    item = {**jobs[0], "collected_at": datetime(2020, 11, 1, tzinfo=UTC)}
    for stage in (ValidatePipeline(), NormalisePipeline(), ClassifyPipeline(None)):
        item = stage.process_item(item)
    return item


def observed(item: dict[str, Any] | None, name: str) -> Any:
    if item is None:
        return "<no job>"
    if name == "pay":
        if item.get("pay_period") is None:
            return None
        return (item.get("pay_min"), item.get("pay_max"), item["pay_period"])
    if name == "closes":
        closes = item.get("closes_at")
        return closes.astimezone(UTC).date().isoformat() if closes else None
    if name == "duration":
        return (item.get("extra") or {}).get("duration_months")
    return item.get(name)


def same(expected: Any, got: Any) -> bool:
    if isinstance(expected, tuple) and isinstance(got, tuple):
        return expected[2] == got[2] and all(
            (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1)
            for a, b in zip(expected[:2], got[:2], strict=True)
        )
    return expected == got


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fallback = "--without-fallback" not in sys.argv
    root = Path(args[0] if args else Path(__file__).parents[2] / "shared/corpus") / "jobs"
    right = dict.fromkeys(FIELDS, 0)
    misses: list[str] = []
    for name, truth in TRUTH.items():
        item = read(root / name, fallback=fallback)
        for field in FIELDS:
            got = observed(item, field)
            if same(truth[field], got):
                right[field] += 1
            else:
                misses.append(f"  {name} {field}: expected {truth[field]!r}, got {got!r}")
    total = len(TRUTH)
    state = "on" if fallback else "off"
    print(f"per-field accuracy on {total} corpus job adverts (fallback {state})")
    for field in FIELDS:
        print(f"  {field:14} {right[field]:3}/{total} = {100 * right[field] / total:5.1f} %")
    overall = sum(right.values())
    print(f"  {'all fields':14} {overall:3}/{total * len(FIELDS)} = "
          f"{100 * overall / (total * len(FIELDS)):5.1f} %")  # fmt: skip
    print("misses:" if misses else "no misses")
    print("\n".join(misses))


if __name__ == "__main__":
    main()
