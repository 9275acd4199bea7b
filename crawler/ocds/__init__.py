"""OCDS procurement notices (Find a Tender, Contracts Finder, Sell2Wales, Scotland).

Plain functions, no Scrapy and no storage: `read_ocds` reads a document, `compile_releases`
merges one procurement's releases (ocdsmerge), `notice_fields` reads the notice from it.
`notices_from_document` does all three for every ocid of a document.
"""

from __future__ import annotations

from typing import Any

from crawler.ocds.fields import BUYER_TYPE_LABELS, BUYER_TYPES, STAGES, notice_fields
from crawler.ocds.merge import compile_releases, merge_history
from crawler.ocds.read import NOT_SUPPORTED_XML, OcdsDocument, read_ocds
from crawler.ocds.records import NoticeFields, Organisation

__all__ = [
    "BUYER_TYPES",
    "BUYER_TYPE_LABELS",
    "NOT_SUPPORTED_XML",
    "STAGES",
    "CompiledNotice",
    "NoticeFields",
    "OcdsDocument",
    "Organisation",
    "compile_document",
    "compile_releases",
    "merge_history",
    "notice_fields",
    "read_ocds",
]


class CompiledNotice(dict):
    """{ocid, compiled, history, fields}: one procurement of a document, ready to store."""


def compile_document(doc: OcdsDocument) -> list[CompiledNotice]:
    """One compiled notice per ocid of `doc` (its releases merged, its records as given)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for release in doc.releases:
        grouped.setdefault(release["ocid"], []).append(release)
    out: list[CompiledNotice] = []
    for record in doc.records:
        full = [r for r in record["releases"] if "ocid" in r]
        compiled = record["compiled"] or (compile_releases(full) if full else None)
        if compiled is None:
            continue
        history = merge_history([], record["releases"])
        out.append(_notice(record["ocid"], compiled, history))
    for ocid, releases in grouped.items():
        compiled = compile_releases(releases)
        out.append(_notice(ocid, compiled, merge_history([], releases)))
    return out


def _notice(ocid: str, compiled: dict[str, Any], history: list[dict[str, Any]]) -> CompiledNotice:
    return CompiledNotice(
        ocid=ocid, compiled=compiled, history=history, fields=notice_fields(compiled, history)
    )
