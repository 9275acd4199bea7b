"""schema.org `JobPosting` (JSON-LD or microdata, via extruct) to plain job item dicts."""

from __future__ import annotations

import html
import json
import logging
from typing import Any

from crawler.extract.jsonld import iter_typed, jsonld_blocks
from crawler.extract.text import clean_text
from crawler.extract.titles import strip_site_suffix

logger = logging.getLogger(__name__)

JOB_TYPES = {"JobPosting"}


def jobs_from_html(body: str, url: str) -> list[dict[str, Any]]:
    """All JobPostings embedded in an HTML page: JSON-LD blocks one by one (a bad block
    hides no other) and microdata (extruct)."""
    from parsel import Selector

    try:
        import extruct  # only job pages need it (~0.2 s to import)

        root = Selector(text=body).root
        microdata = extruct.extract(
            root, base_url=url, syntaxes=["microdata"], uniform=True, errors="ignore"
        ).get("microdata", [])
    except (ValueError, TypeError) as exc:  # lxml gives up on some documents
        logger.info("structured data unreadable url=%s error=%s", url, exc)
        return []
    blocks = jsonld_blocks(root) + list(microdata)
    return merge_same_postings([posting_to_item(n, url) for n in iter_typed(blocks, JOB_TYPES)])


def jobs_from_json(body: bytes | str, url: str) -> list[dict[str, Any]]:
    """JobPostings in a JSON document (e.g. a JSON-LD file or an API answer)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    return [posting_to_item(node, url) for node in iter_typed([data], JOB_TYPES)]


# what tells one posting from another: two readings that disagree on one of these are two
# postings (a posting's own url counts only where it is not the page's)
_IDENTIFYING = ("guid", "url", "employer", "location", "published_raw", "valid_through")


def merge_same_postings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One item per posting: a page that gives one JobPosting in two syntaxes (microdata and
    JSON-LD, as schema.org's own examples do) has one job, the richer reading with what
    only the other states filled in. Readings are the same posting when their titles match
    and no identifying field (`_IDENTIFYING`) stated in both differs."""
    merged: list[dict[str, Any]] = []
    for item in items:
        for i, seen in enumerate(merged):
            if _same_posting(seen, item):
                rich, poor = (item, seen) if _richness(item) > _richness(seen) else (seen, item)
                merged[i] = {k: v if _stated(v) else poor.get(k, v) for k, v in rich.items()}
                break
        else:
            merged.append(item)
    return merged


def _same_posting(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not a["title"] or _fold(a["title"]) != _fold(b["title"]):
        return False
    for key in _IDENTIFYING:
        x, y = a.get(key), b.get(key)
        if key == "url":  # the page's own url is where a posting without one was read
            x, y = (None if u == a["base_url"] else u for u in (x, y))
        if _stated(x) and _stated(y) and _fold(str(x)) != _fold(str(y)):
            return False
    return True


def _richness(item: dict[str, Any]) -> int:
    return sum(_stated(v) for v in item.values())


def _stated(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def posting_to_item(node: dict[str, Any], page_url: str) -> dict[str, Any]:
    """One JobPosting node as an item dict (kind job); values are kept raw for the pipelines."""
    description = _str(node.get("description"))
    if "&lt;" in description and "<" not in description:
        description = html.unescape(description)  # HTML escaped once too often (NHS Jobs)
    org = node.get("hiringOrganization")
    employer = _name(org)
    address, location = _location(node.get("jobLocation"))
    location_type = node.get("jobLocationType")  # TELECOMMUTE: worked from anywhere
    if location is None and "TELECOMMUTE" in str(location_type).upper():
        location = "Remote"
    identifier = node.get("identifier")
    if isinstance(identifier, dict):
        identifier = identifier.get("value") or identifier.get("name")
    employment = node.get("employmentType")
    if isinstance(employment, list):
        employment = ", ".join(str(e) for e in employment)
    salary = node.get("baseSalary")
    if salary is None and node.get("estimatedSalary") is not None:
        salary = node.get("estimatedSalary")
    if isinstance(salary, dict | str | int | float) and node.get("salaryCurrency"):
        if isinstance(salary, dict):
            salary = {"currency": node["salaryCurrency"], **salary}
        else:
            salary = {"currency": node["salaryCurrency"], "value": salary}
    return {
        "kind": "job",
        "url": _str(node.get("url")) or page_url,
        "base_url": page_url,
        "guid": _str(identifier) or None,
        # "Category Manager | Kent County Council": the employer is not part of the title
        "title": strip_site_suffix(
            # `title` is JobPosting's own; some publish only the `name` every Thing has
            clean_text(html.unescape(_str(node.get("title")) or _str(node.get("name")))),
            [employer or ""],
        ),
        "body_html": description,
        "summary": "",
        "published_raw": _str(node.get("datePosted")) or None,
        "employer": employer,
        "location": location,
        "address": address,
        "location_type": location_type,
        "applicants": node.get("applicantLocationRequirements"),
        "employment_type": _str(employment) or None,
        "base_salary": salary,
        "valid_through": _str(node.get("validThrough")) or None,
        "extra": {"extraction": "jobposting"},  # what a liveness check expects to find
    }


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("legalName")
    return clean_text(html.unescape(value)) or None if isinstance(value, str) else None


def _location(value: Any) -> tuple[Any, str | None]:
    """(structured address, display location) of a jobLocation; several jobLocations give
    the list of their addresses and "Cardiff / Belfast" (a role in two offices is in both
    regions, not only the first one's)."""
    if isinstance(value, list):
        read = [_location(v) for v in value]
        addresses = [a or d for a, d in read if a or d]  # a plain "Leeds" is one too
        shown = " / ".join(_once([d for _, d in read if d]))
        if len(read) > 1:
            return addresses or None, shown or None
        value = value[0] if value else None
    if isinstance(value, dict):
        address = value.get("address", value)
        if isinstance(address, str):
            return None, clean_text(address) or None
        if isinstance(address, dict):
            fields = {
                k: _str(address.get(k))
                for k in (
                    "streetAddress",
                    "addressLocality",
                    "addressRegion",
                    "postalCode",
                    "addressCountry",
                )
                if _str(address.get(k))
            }
            country = address.get("addressCountry")
            if isinstance(country, dict):
                fields["addressCountry"] = _str(country.get("name"))
            parts = [v for k, v in fields.items() if k in ("addressLocality", "addressRegion")]
            # "Cardiff, Cardiff": a locality repeated as its region is shown once
            display = ", ".join(_once(parts))
            return fields or None, clean_text(display) or fields.get("postalCode")
    if isinstance(value, str):
        return None, clean_text(value) or None
    return None, None


def _once(values: list[str]) -> list[str]:
    """Values without case-insensitive repeats, in order."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
