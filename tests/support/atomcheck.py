"""The RFC 4287 (Atom 1.0) rules a feed validator checks, for the feed tests.

No maintained Python Atom validator exists (the W3C's feedvalidator is Python 2), so this
checks the MUSTs the W3C validator reports as errors: one id, title and updated per feed
and entry, absolute IRIs for ids, valid IRI references for links (no raw spaces), RFC 3339
dates, an author for every entry, at most one alternate link per type, a term on every
category, and ids unique among entries. It returns the problems found, so a test can show
them all at once.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

A = "{http://www.w3.org/2005/Atom}"
# RFC 3339 date-time: full date, "T", time with optional fraction, "Z" or an offset
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# characters RFC 3987 never allows unescaped in an IRI, and malformed percent escapes
_NOT_IN_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f-\x9f]|%(?![0-9A-Fa-f]{2})")
_TEXT_TYPES = {"text", "html", "xhtml"}


def atom_problems(document: bytes) -> list[str]:
    """Every RFC 4287 violation in `document` (empty when the feed is valid)."""
    problems: list[str] = []
    try:
        feed = ET.fromstring(document)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    if feed.tag != f"{A}feed":
        return [f"root element is {feed.tag}, not atom:feed"]
    _common(feed, "feed", problems)
    entries = feed.findall(f"{A}entry")
    if feed.find(f"{A}author") is None and any(e.find(f"{A}author") is None for e in entries):
        problems.append("feed: no atom:author, and an entry has none either")
    if not any(link.get("rel") == "self" for link in feed.findall(f"{A}link")):
        problems.append("feed: no link rel=self")
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        where = f"entry {number}"
        _common(entry, where, problems)
        entry_id = (entry.findtext(f"{A}id") or "").strip()
        if entry_id in seen:
            problems.append(f"{where}: id {entry_id!r} repeats an earlier entry's")
        seen.add(entry_id)
        links = entry.findall(f"{A}link")
        if entry.find(f"{A}content") is None and not any(
            link.get("rel", "alternate") == "alternate" for link in links
        ):
            problems.append(f"{where}: neither content nor a link rel=alternate")
        if len(entry.findall(f"{A}published")) > 1:
            problems.append(f"{where}: more than one atom:published")
    return problems


def _common(node: ET.Element, where: str, problems: list[str]) -> None:
    """Rules shared by atom:feed and atom:entry."""
    for tag in ("id", "title", "updated"):
        count = len(node.findall(f"{A}{tag}"))
        if count != 1:
            problems.append(f"{where}: {count} atom:{tag} elements (exactly one is required)")
    ident = (node.findtext(f"{A}id") or "").strip()
    if ident and not _absolute_iri(ident):
        problems.append(f"{where}: id {ident!r} is not an absolute IRI")
    for tag in ("updated", "published"):
        for date in node.findall(f"{A}{tag}"):
            if not _DATE_TIME.match((date.text or "").strip()):
                problems.append(f"{where}: {tag} {date.text!r} is not an RFC 3339 date-time")
    alternates: set[tuple[str, str]] = set()
    for link in node.findall(f"{A}link"):
        href = link.get("href")
        if href is None:
            problems.append(f"{where}: a link without href")
            continue
        if _NOT_IN_IRI.search(href):
            problems.append(f"{where}: link href {href!r} is not a valid IRI reference")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type", ""), link.get("hreflang", ""))
            if key in alternates:
                problems.append(f"{where}: two alternate links of type {key[0]!r}")
            alternates.add(key)
    for text_tag in ("title", "summary", "content", "rights", "subtitle"):
        for text in node.findall(f"{A}{text_tag}"):
            kind = text.get("type", "text")
            if text_tag != "content" and kind not in _TEXT_TYPES:
                problems.append(f"{where}: {text_tag} has type {kind!r}")
    for author in node.findall(f"{A}author"):
        if not (author.findtext(f"{A}name") or "").strip():
            problems.append(f"{where}: an author without a name")
    for category in node.findall(f"{A}category"):
        if not category.get("term"):
            problems.append(f"{where}: a category without a term")


def _absolute_iri(value: str) -> bool:
    return bool(_SCHEME.match(value)) and not _NOT_IN_IRI.search(value)
