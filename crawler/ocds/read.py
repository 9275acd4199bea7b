"""Read an OCDS document: a release package, record package, release or record, a list of
releases, or JSON lines of any of these.

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
NOT_OCDS = "not an OCDS release or record package"
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
    doc = OcdsDocument()
    try:
        data, problem = decode_json(body)
    except (ValueError, RecursionError) as exc:
        lines = _json_lines(body)
        if lines is None:
            return OcdsDocument(error=f"malformed JSON: {str(exc)[:200]}")
        values, problem = lines
    else:
        if isinstance(data, dict) and _shape(data) is None:
            return OcdsDocument(error=NOT_OCDS, problems=[problem] if problem else [])
        values = data if isinstance(data, list) else [data]
        if isinstance(data, dict):
            doc.next_url = _next_link(data.get("links"))
    if problem:
        doc.problems.append(problem)
    releases: list[Any] = []
    for value in values:
        shape = _shape(value) if isinstance(value, dict) else None
        if shape == "record package":
            _read_records(value["records"], doc)
        elif shape == "record":
            _read_records([value], doc)
        elif shape == "release package":
            releases.extend(value["releases"])
        else:  # a release (skipped and counted without an ocid)
            releases.append(value)
    _read_releases(releases, doc)
    return doc


def _shape(data: dict[str, Any]) -> str | None:
    """Which OCDS document `data` is (a record has an ocid and releases, as a package has)."""
    if isinstance(data.get("records"), list):
        return "record package"
    if "ocid" in data and ("compiledRelease" in data or isinstance(data.get("releases"), list)):
        return "record"
    if isinstance(data.get("releases"), list):
        return "release package"
    return "release" if "ocid" in data else None


def _json_lines(body: bytes) -> tuple[list[Any], str | None] | None:
    """JSON lines: one release, record or package a line, as bulk downloads and Kingfisher
    Collect write them; None unless there are several lines and every one is JSON."""
    lines = [line for line in body.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    values: list[Any] = []
    problems: set[str] = set()
    for line in lines:
        try:
            value, problem = decode_json(line)
        except (ValueError, RecursionError):
            return None
        values.append(value)
        if problem:
            problems.add(problem)
    return values, "; ".join(sorted(problems)) or None


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
    skipped = linked = 0
    for record in raw:
        if not isinstance(record, dict) or not isinstance(record.get("ocid"), str):
            skipped += 1
            continue
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict)]
        compiled = record.get("compiledRelease")
        if not isinstance(compiled, dict) and not any("ocid" in r for r in releases):
            linked += 1  # nothing to compile here: its releases are only links
            continue
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
    if linked:
        doc.problems.append(
            f"{linked} record(s) with neither a compiledRelease nor embedded releases skipped "
            "(linked releases are not fetched)"
        )


def _next_link(links: Any) -> str | None:
    if isinstance(links, dict) and isinstance(links.get("next"), str):
        return links["next"].strip() or None
    return None
