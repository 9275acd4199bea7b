"""Job fields of a job-board or ATS feed entry: salary, location, closing date, contract.

School-trust and agency ATS feeds (current-vacancies.com, EngageATS, Broadbean, Vacancy
Poster) put each vacancy's details in their own elements (`<Salary>`, `<Job_Location>`,
`<engAts:salaryRangeFrom>`, `<expiresAt>`) or in categories with a domain ("Location",
"Contract Type"); feedparser keeps them as entry keys, lower-cased, with any namespace
prefix ("engats_salaryrangefrom"). Without these the jobs a feed carries have no pay,
region or closing date, and the feeds whose link is `<advertUrl>` no URL at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# field -> element names as feedparser spells them, without "_" and a namespace prefix
_NAMES: dict[str, tuple[str, ...]] = {
    "base_salary": (
        "salary", "salaryrange", "salarytext", "salarydescription", "payrate", "dayrate",
        "rate", "remuneration", "pay",
    ),
    "location": ("joblocation", "location", "worklocation", "locations", "town", "city"),
    "valid_through": (
        "expirydate", "expiresat", "closingdate", "closedate", "enddate",
        "applicationdeadline", "deadline",
    ),
    "employment_type": ("contracttype", "vcontracttype", "employmenttype", "jobtype"),
    "employer": ("employer", "schoolname", "organisation", "organization", "company"),
    "url": ("adverturl", "rssfeedvacancyurl", "vacancyurl", "joburl", "applyurl"),
    "title": ("jobtitle", "vacancytitle", "vtitle"),
    "body": ("jobadvert", "adverttext", "jobdescription", "description"),
    "guid": ("reference", "vacancyid", "jobreference", "jobid", "vacancyreference"),
    # no item field of their own: shown in the body, where the classifiers read them
    "IR35": ("ir35", "ir35status", "ir35determination"),
    "Duration": ("duration", "contractlength", "contractduration", "assignmentlength"),
}  # fmt: skip
_SALARY_FROM = ("salaryrangefrom", "salaryfrom", "salarymin", "minsalary")
_SALARY_TO = ("salaryrangeto", "salaryto", "salarymax", "maxsalary")
# categories with a domain ("<category domain="Location">London</category>")
_TAG_SCHEMES = {
    "location": "location",
    "region": "location",
    "town": "location",
    "contract type": "employment_type",
    "contract": "employment_type",
    "school/network": "employer",
    "school": "employer",
    "employer": "employer",
}


def job_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Job item fields (`crawler.extract.jobs.posting_to_item`'s names) an entry states."""
    values = _by_name(entry)
    found: dict[str, Any] = {}
    for field, names in _NAMES.items():
        value = next((values[n] for n in names if values.get(n)), None)
        if value:
            found[field] = value
    low = next((values[n] for n in _SALARY_FROM if values.get(n)), "")
    high = next((values[n] for n in _SALARY_TO if values.get(n)), "")
    if "base_salary" not in found and (low or high):
        found["base_salary"] = f"{low} - {high}" if low and high else low or f"up to {high}"
    for tag in entry.get("tags") or []:
        field = _TAG_SCHEMES.get(str(tag.get("scheme") or "").strip().lower())
        term = " ".join(str(tag.get("term") or "").split())
        if field and term and field not in found:
            found[field] = term
    if "location" in found:
        # "Barnstaple,_Devon": ATS exports write the spaces of a place name as underscores
        found["location"] = found["location"].replace("_", " ")
        found["address"] = found["location"]
    url = found.pop("url", None)
    if url and url.startswith("www."):
        url = "https://" + url  # "www.company.com/jobs/12345": a host, not a relative path
    if url:
        found["url"] = url
    return found


def _by_name(entry: Mapping[str, Any]) -> dict[str, str]:
    """Entry keys without "_" and without a namespace prefix ("engats_salaryrangefrom" ->
    "salaryrangefrom" and "engatssalaryrangefrom"), for the keys that hold text."""
    values: dict[str, str] = {}
    for key, value in entry.items():
        if not isinstance(key, str) or not isinstance(value, str) or key.endswith("_detail"):
            continue
        text = " ".join(value.split())
        if not text:
            continue
        values.setdefault(key.replace("_", ""), text)
        if "_" in key:
            values.setdefault(key.split("_", 1)[1].replace("_", ""), text)
    return values
