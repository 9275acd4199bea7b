"""Atom 1.0 documents built with ElementTree (so every value is XML-escaped)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from kil_feed.timeutil import isoformat

ATOM_NS = "http://www.w3.org/2005/Atom"
# the `updated` of a feed with no entries whose listing never had an item: a fixed time, so
# the body, and with it the ETag, is the same on every fetch (and on every worker)
NEVER_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Entry:
    id: str
    title: str
    link: str
    updated: datetime | None
    summary: str = ""
    content_html: str = ""
    author: str | None = None
    categories: tuple[str, ...] = ()


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alternate_url: str,
    entries: Iterable[Entry],
    empty_updated: datetime | None = None,
) -> bytes:
    """The feed; its `updated` is its newest entry's, or for a feed with none
    `empty_updated` (when the listing last changed), or NEVER_UPDATED when it never had
    an item. The time of the request made every fetch of an empty feed a new body, so its
    ETag never matched and each poll was a 200."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    entries = list(entries)
    newest = max((e.updated for e in entries if e.updated), default=None)
    updated = newest or empty_updated or NEVER_UPDATED
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", isoformat(updated) or "")
    ET.SubElement(
        feed, f"{{{ATOM_NS}}}link", rel="self", href=self_url, type="application/atom+xml"
    )
    ET.SubElement(feed, f"{{{ATOM_NS}}}link", rel="alternate", href=alternate_url, type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "Keep it Local feed")
    _text(feed, "generator", "kil-feed")
    for e in entries:
        node = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(node, "id", e.id)
        _text(node, "title", e.title)
        _text(node, "updated", isoformat(e.updated or updated) or "")
        ET.SubElement(node, f"{{{ATOM_NS}}}link", rel="alternate", href=e.link)
        if e.author:
            _text(ET.SubElement(node, f"{{{ATOM_NS}}}author"), "name", e.author)
        for term in e.categories:
            ET.SubElement(node, f"{{{ATOM_NS}}}category", term=term)
        if e.summary:
            _text(node, "summary", e.summary)
        if e.content_html:
            _text(node, "content", e.content_html).set("type", "html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    node.text = _xml_safe(value)
    return node


def _xml_safe(value: str) -> str:
    """Drop characters XML 1.0 cannot carry (scraped text sometimes has them)."""
    return "".join(
        ch for ch in value if ch in "\t\n\r" or ("\x20" <= ch <= "\ud7ff") or ch >= "\ue000"
    )
