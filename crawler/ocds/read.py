"""Read an OCDS document: a release package, record package, release or record, a list of
releases, or JSON lines of any of these.

Tolerant like feedparser: a byte-order mark or the response's charset names the encoding
(UTF-16 and UTF-32 too), a document in none that is not UTF-8 is decoded as Windows-1252 and
said so in `problem`, one whose bytes belie its mark or label is an `error`; releases
without an `ocid` are skipped and counted; a release without an `id` (a real Public
Contracts Scotland capture has none) gets one from its ocid and date.
XML notices (TED R2.0.9, eForms) are recognised and refused with a clear `error`: only OCDS
JSON is supported for now. `read_as` says in words what the document was, OCDS or not, for
an editor checking a source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.jsontext import UndecodableJson, UnlabelledNotUtf8, json_text

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
    # what the document was, in words (`kil sources check`): "OCDS release package", "an
    # OCDS release", "JSON lines of OCDS records", or when no OCDS "an HTML page" ...
    read_as: str = ""

    @property
    def problem(self) -> str | None:
        return "; ".join(self.problems) or None

    @property
    def release_count(self) -> int:
        """The releases read: those with an ocid, and those a record lists (embedded or linked)."""
        return len(self.releases) + sum(len(r["releases"]) for r in self.records)

    @property
    def ocids(self) -> list[str]:
        seen = dict.fromkeys(r["ocid"] for r in self.releases)
        seen.update(dict.fromkeys(r["ocid"] for r in self.records))
        return list(seen)


def decode_json(body: bytes, content_type: str | None = None) -> tuple[str, str | None]:
    """(the document's text, problem); raises `UndecodableJson` with a one-line reason.

    As a JSON feed is read (`crawler.extract.jsontext`): a byte-order mark (UTF-8, UTF-16,
    UTF-32) decides, then the Content-Type's charset (UTF-16 servers), then the zero bytes
    of unmarked UTF-16/32, then UTF-8. Bytes that nothing names and that are not UTF-8 are
    Windows-1252, as real publishers saved them, said so in `problem`; bytes that belie
    their mark, label or zeros are an error."""
    try:
        return json_text(body, content_type), None
    except UnlabelledNotUtf8:
        return body.decode("cp1252", errors="replace"), "not UTF-8: read as Windows-1252"


def read_ocds(body: bytes, content_type: str | None = None) -> OcdsDocument:
    """Parse one OCDS document (`content_type`: the response's, for its charset); never
    raises for bad input (see `error` / `problems`)."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _markup(body[:2048])
    try:
        text, problem = decode_json(body, content_type)
    except UndecodableJson as exc:
        return OcdsDocument(error=f"undecodable JSON: {exc}", read_as="undecodable JSON")
    if text.lstrip("\ufeff \t\r\n")[:1] == "<":  # markup in UTF-16, say
        return _markup(text[:2048].encode("utf-8", "replace"))
    doc = OcdsDocument()
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except (ValueError, RecursionError) as exc:
        values = _json_lines(text)
        if values is None:
            return OcdsDocument(error=f"malformed JSON: {str(exc)[:200]}", read_as="malformed JSON")
        container = "JSON lines of"
    else:
        not_ocds = _not_ocds(data)
        if not_ocds:
            return OcdsDocument(error=f"{NOT_OCDS}: {not_ocds}", read_as="JSON, not OCDS",
                                problems=[problem] if problem else [])  # fmt: skip
        values = data if isinstance(data, list) else [data]
        container = "a JSON list of" if isinstance(data, list) else ""
        if isinstance(data, dict):
            doc.next_url = _next_link(data.get("links"))
    if problem:
        doc.problems.append(problem)
    releases: list[Any] = []
    shapes: dict[str, None] = {}
    for value in values:
        shape = _shape(value) if isinstance(value, dict) else None
        shapes[shape or "release"] = None
        if shape == "record package":
            _read_records(value["records"], doc)
        elif shape == "record":
            _read_records([value], doc)
        elif shape == "release package":
            releases.extend(value["releases"])
        else:  # a release (skipped and counted without an ocid)
            releases.append(value)
    _read_releases(releases, doc)
    doc.read_as = _read_as(container, list(shapes))
    return doc


def _read_as(container: str, shapes: list[str]) -> str:
    """What the document was: "OCDS release package", "a JSON list of OCDS releases" ..."""
    if not container:
        (shape,) = shapes
        return f"OCDS {shape}" if shape.endswith("package") else f"an OCDS {shape}"
    if not shapes:
        return "an empty JSON list"
    return f"{container} OCDS " + " and ".join(f"{s}s" for s in shapes)


def _not_ocds(data: Any) -> str | None:
    """What a JSON document that holds no OCDS is, in words; None for OCDS (or an empty
    list, of releases say)."""
    if isinstance(data, dict):
        if _shape(data) is not None:
            return None
        keys = list(data)
        if not keys:
            return "an empty JSON object"
        named = ", ".join(str(k) for k in keys[:5]) + (
            f" and {len(keys) - 5} more" if len(keys) > 5 else ""
        )
        return f"a JSON object with keys {named}, but no releases or records"
    if isinstance(data, list):
        if not data or any(isinstance(v, dict) for v in data):
            return None
        return f"a JSON list of {len(data)} values, none of them an object"
    kinds = {str: "string", bool: "true or false", int: "number", float: "number"}
    return f"a lone JSON {kinds.get(type(data), 'null')}"


def _markup(head: bytes) -> OcdsDocument:
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        # an error, login or moved-page answer
        return OcdsDocument(error=HTML_PAGE, read_as="an HTML page")
    return OcdsDocument(error=NOT_SUPPORTED_XML, read_as="TED/eForms XML")


def _shape(data: dict[str, Any]) -> str | None:
    """Which OCDS document `data` is (a record has an ocid and releases, as a package has)."""
    if isinstance(data.get("records"), list):
        return "record package"
    if "ocid" in data and ("compiledRelease" in data or isinstance(data.get("releases"), list)):
        return "record"
    if isinstance(data.get("releases"), list):
        return "release package"
    return "release" if "ocid" in data else None


def _json_lines(text: str) -> list[Any] | None:
    """JSON lines: one release, record or package a line, as bulk downloads and Kingfisher
    Collect write them; None unless there are several lines and every one is JSON."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    values: list[Any] = []
    for line in lines:
        try:
            values.append(json.loads(line))
        except (ValueError, RecursionError):
            return None
    return values


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
