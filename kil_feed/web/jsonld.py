"""schema.org `JobPosting` JSON-LD for a job page, with Google's required properties
(title, description, datePosted, hiringOrganization, jobLocation) and the recommended
validThrough, baseSalary (unitText DAY/HOUR/YEAR) and employmentType."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from kil_feed.models import Item
from kil_feed.regions import is_uk_wide
from kil_feed.text import plain_text, plain_title
from kil_feed.timeutil import isoformat
from kil_feed.web.templating import sanitize

UNIT_TEXT = {"hour": "HOUR", "day": "DAY", "week": "WEEK", "month": "MONTH", "year": "YEAR"}
EMPLOYMENT_TYPES = {
    "interim": "CONTRACTOR",
    "contract": "CONTRACTOR",
    "contractor": "CONTRACTOR",
    "freelance": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "temp": "TEMPORARY",
    "fixed-term": "TEMPORARY",
    "fixed_term": "TEMPORARY",
    "permanent": "FULL_TIME",
    "full-time": "FULL_TIME",
    "full_time": "FULL_TIME",
    "part-time": "PART_TIME",
    "part_time": "PART_TIME",
}


def employment_type(contract_type: str | None) -> str | None:
    if not contract_type:
        return None
    return EMPLOYMENT_TYPES.get(contract_type.strip().lower(), "OTHER")


def job_posting(item: Item, *, organisation: str, page_url: str) -> dict[str, Any]:
    """The JobPosting object for `item`; `organisation` names the hirer when unknown."""
    description = str(sanitize(item.body_html)) if item.body_html else ""
    if not description:
        description = f"<p>{Markup.escape(plain_text(item.summary) or plain_title(item.title))}</p>"
    address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "GB"}
    if item.location:
        address["addressLocality"] = item.location
    if item.regions and not is_uk_wide(item.regions):  # a remote role is in no one region
        address["addressRegion"] = item.regions[0]
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": plain_title(item.title),
        "description": description,
        "datePosted": isoformat(item.published_at or item.collected_at),
        "hiringOrganization": {"@type": "Organization", "name": item.employer or organisation},
        "jobLocation": {"@type": "Place", "address": address},
        "url": page_url,
        "identifier": {"@type": "PropertyValue", "name": organisation, "value": str(item.id)},
        "directApply": False,
    }
    if item.closes_at:
        data["validThrough"] = isoformat(item.closes_at)
    if kind := employment_type(item.contract_type):
        data["employmentType"] = kind
    if item.pay_min is not None or item.pay_max is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue"}
        if item.pay_min is not None and item.pay_max is not None and item.pay_min != item.pay_max:
            value["minValue"] = item.pay_min
            value["maxValue"] = item.pay_max
        else:
            value["value"] = item.pay_min if item.pay_min is not None else item.pay_max
        if unit := UNIT_TEXT.get((item.pay_period or "").lower()):
            value["unitText"] = unit
        data["baseSalary"] = {
            "@type": "MonetaryAmount",
            "currency": item.pay_currency or "GBP",
            "value": value,
        }
    return data


def script_json(data: dict[str, Any]) -> Markup:
    """JSON safe to place inside <script type="application/ld+json"> (no `</script>`)."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - HTML-significant characters are escaped above
