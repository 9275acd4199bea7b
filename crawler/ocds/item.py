"""A compiled notice as a content item: the columns every item has, plus `extra.notice`.

Used by the notices spider for what one crawl saw and by storage when a later crawl's
releases move a stored notice on, so both spell the item the same way.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from crawler.extract.text import shorten
from crawler.normal import parse_date
from crawler.ocds.records import NoticeFields

SUMMARY_CHARS = 300


def notice_item(
    fields: NoticeFields,
    compiled: dict[str, Any],
    history: list[dict[str, Any]],
    *,
    fallback_url: str,
) -> dict[str, Any]:
    """Item fields for one procurement; `fallback_url` is used when it has no notice page."""
    url = fields["notice_url"] or url_with_ocid(fallback_url, fields["ocid"])
    description = fields["description"]
    paragraphs = [p for p in description.split("\n\n") if p.strip()]
    buyer = fields["buyer"]
    address = fields["buyer_address"]
    return {
        "kind": "notice",
        "url": url,
        "guid": fields["ocid"],
        "title": fields["title"] or fields["ocid"],
        "summary": shorten(
            " ".join(description.split()) or fields["title"],
            SUMMARY_CHARS,
            whole_words=0.6,
            labels=True,
        ),
        "body_html": "".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        "published": parse_date(fields["published"]),
        "employer": buyer["name"] if buyer else None,
        "location": address.get("locality") or None,
        "closes_at": parse_date(fields["tender_deadline"]) if fields["stage"] == "tender" else None,
        "region": fields["region"],
        "extra": {"notice": dict(fields), "compiled": compiled, "history": history},
    }


def url_with_ocid(url: str, ocid: str) -> str:
    """The package URL with `ocid=` added: unique per procurement, stable between crawls."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({"ocid": ocid}), fragment=""))
