"""Sources as OPML 2.0, the subscription list every feed reader imports and exports.

Reading goes through defusedxml (no entity expansion, no DTD tricks, no external entities:
a billion-laughs file is refused, not expanded). Every `<outline>` with an `xmlUrl` is a
feed source named by its `title` or `text`; folders are flattened. Writing produces the
same shape, so an export can be imported again.
"""

from __future__ import annotations

import xml.sax
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree as ET

from kil_feed.errors import ValidationError
from kil_feed.sources_file import SourceRow, SourceSpec


class _Outlines(xml.sax.ContentHandler):
    """Collects each feed outline's attributes with the line it starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.root: str | None = None
        self.outlines: list[tuple[int, dict[str, str]]] = []

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (SAX's name)
        if self.root is None:
            self.root = name
        if name == "outline" and attrs.get("xmlUrl"):
            line = self._locator.getLineNumber() if self._locator else 0
            self.outlines.append((line, {k: attrs.get(k) for k in attrs.getNames()}))


def read_opml(data: bytes, *, origin: str = "OPML file") -> list[SourceRow]:
    """One row per feed outline (see the module docstring); a file that is no OPML raises."""
    import defusedxml
    import defusedxml.sax

    handler = _Outlines()
    try:
        defusedxml.sax.parseString(data, handler)
    except defusedxml.DefusedXmlException as exc:
        raise ValidationError(
            f"{origin} is refused: {exc}", hint="an OPML file needs no entity declarations"
        ) from None
    except xml.sax.SAXParseException as exc:
        raise ValidationError(
            f"{origin} is not well-formed XML (line {exc.getLineNumber()}): {exc.getMessage()}"
        ) from None
    if handler.root != "opml":
        raise ValidationError(f"{origin} is not OPML (its root element is <{handler.root}>)")
    rows: list[SourceRow] = []
    seen: dict[str, int] = {}
    for line, attrs in handler.outlines:
        url = attrs["xmlUrl"].strip()
        name = " ".join((attrs.get("title") or attrs.get("text") or "").split())
        name = name or url
        if name in seen:
            rows.append(SourceRow(line, error=f"duplicate name {name!r} (line {seen[name]})"))
            continue
        seen[name] = line
        rows.append(SourceRow(line, spec=SourceSpec(name=name, url=url, kind="feed")))
    return rows


def write_opml(sources: Iterable[Any], *, title: str = "kil-feed sources") -> str:
    """OPML 2.0 of the feed sources (objects with `name`, `url`, `kind`)."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC))
    body = ET.SubElement(opml, "body")
    for source in sources:
        ET.SubElement(
            body, "outline", type="rss", text=source.name, title=source.name, xmlUrl=source.url
        )
    ET.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
