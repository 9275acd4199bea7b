"""Read an OCDS document (release package, record package, bare release or a list of them).

Tolerant like feedparser: a document that is not UTF-8 is decoded as Windows-1252 and said
so in `problem`; releases without an `ocid` are skipped and counted; a release without an
`id` (a real Public Contracts Scotland capture has none) gets one from its ocid and date.
XML notices (TED R2.0.9, eForms) are recognised and refused with a clear `error`: only OCDS
JSON is supported for now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

NOT_SUPPORTED_XML = "TED/eForms XML notices are not supported yet (OCDS JSON only)"
HTML_PAGE = "an HTML page, not OCDS JSON (an error or sign-in page, or not the API's URL)"


@dataclass
class OcdsDocument:
    """What one OCDS document holds, as plain dicts."""

    releases: list[dict[str, Any]] = field(default_factory=list)  # each with an ocid
    records: list[dict[str, Any]] = field(default_factory=list)  # {ocid, releases, compiled}
    next_url: str | None = None  # the package's links.next (a cursor), when there is one
    problems: list[str] = field(default_factory=list)  # tolerated defects, for the source
    error: str | None = None  # set when nothing could be read

    @property
    def problem(self) -> str | None:
        return "; ".join(self.problems) or None

    @property
    def ocids(self) -> list[str]:
        seen = dict.fromkeys(r["ocid"] for r in self.releases)
        seen.update(dict.fromkeys(r["ocid"] for r in self.records))
        return list(seen)


def decode_json(body: bytes) -> tuple[Any, str | None]:
    """(parsed JSON, problem); raises ValueError when the bytes are not JSON at all."""
    problem = None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # JSON must be UTF-8; real publishers have saved ISO-8859-1 / Windows-1252
        text = body.decode("cp1252", errors="replace")
        problem = "not UTF-8: read as Windows-1252"
    return json.loads(text), problem


def read_ocds(body: bytes) -> OcdsDocument:
    """Parse one OCDS document; never raises for bad input (see `error` / `problems`)."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        lowered = body[:2048].lower()
        if b"<html" in lowered or b"<!doctype html" in lowered:
            return OcdsDocument(error=HTML_PAGE)  # an error, login or moved-page answer
        return OcdsDocument(error=NOT_SUPPORTED_XML)
    try:
        data, problem = decode_json(body)
    except (ValueError, RecursionError) as exc:
        return OcdsDocument(error=f"malformed JSON: {str(exc)[:200]}")
    doc = OcdsDocument()
    if problem:
        doc.problems.append(problem)
    if isinstance(data, list):
        raw_releases: list[Any] = data
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        _read_records(data["records"], doc)
        raw_releases = []
    elif isinstance(data, dict) and isinstance(data.get("releases"), list):
        raw_releases = data["releases"]
    elif isinstance(data, dict) and "ocid" in data:
        raw_releases = [data]
    else:
        return OcdsDocument(error="not an OCDS release or record package", problems=doc.problems)
    if isinstance(data, dict):
        doc.next_url = _next_link(data.get("links"))
    _read_releases(raw_releases, doc)
    return doc


def _read_releases(raw: list[Any], doc: OcdsDocument) -> None:
    skipped = invented = 0
    for release in raw:
        if not isinstance(release, dict) or not isinstance(release.get("ocid"), str):
            skipped += 1
            continue
        if not release.get("id"):
            release = {**release, "id": f"{release['ocid']}-{release.get('date') or 'undated'}"}
            invented += 1
        doc.releases.append(release)
    if skipped:
        doc.problems.append(f"{skipped} release(s) without an ocid skipped")
    if invented:
        doc.problems.append(f"{invented} release(s) without an id (named from ocid and date)")


def _read_records(raw: list[Any], doc: OcdsDocument) -> None:
    skipped = 0
    for record in raw:
        if not isinstance(record, dict) or not isinstance(record.get("ocid"), str):
            skipped += 1
            continue
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict)]
        compiled = record.get("compiledRelease")
        doc.records.append(
            {
                "ocid": record["ocid"],
                # a record's releases may be linked ({url, date, tag}) rather than embedded
                "releases": releases,
                "compiled": compiled if isinstance(compiled, dict) else None,
            }
        )
    if skipped:
        doc.problems.append(f"{skipped} record(s) without an ocid skipped")


def _next_link(links: Any) -> str | None:
    if isinstance(links, dict) and isinstance(links.get("next"), str):
        return links["next"].strip() or None
    return None
