"""JSON Feed (https://jsonfeed.org) 1.0/1.1 to item dicts."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from crawler.extract.feed import ParsedFeed
from crawler.extract.jsontext import UndecodableJson, json_text

NOT_JSON_FEED = 'JSON, but not a JSON Feed (its "version" is no https://jsonfeed.org/version/ URL)'


def parse_json_feed(body: bytes, url: str, headers: dict[str, str] | None = None) -> ParsedFeed:
    """The feed of a body that opens as JSON, decoded as `json_text` says (BOM, the
    Content-Type's charset, UTF-8). One that does not decode is no feed, with the reason as
    its `error`; malformed JSON, or JSON that is no JSON Feed (RSS-in-JSON, an API answer),
    is no feed with that as its `problem`: feedparser would only call it bad XML."""
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    try:
        data = json.loads(json_text(body, content_type))
    except UndecodableJson as exc:
        return ParsedFeed(is_feed=False, problem=str(exc), error=f"unreadable JSON Feed: {exc}")
    except RecursionError:
        return ParsedFeed(is_feed=False, problem="malformed JSON: nested too deeply")
    except ValueError as exc:
        return ParsedFeed(is_feed=False, problem=f"malformed JSON: {str(exc)[:200]}")
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return ParsedFeed(is_feed=False, problem=NOT_JSON_FEED)
    base = data.get("home_page_url") or url
    entries = []
    for entry in data.get("items") or []:
        if not isinstance(entry, dict):
            continue
        link = entry.get("url") or entry.get("external_url") or ""
        html = entry.get("content_html")
        if not isinstance(html, str):
            text = entry.get("content_text") if isinstance(entry.get("content_text"), str) else ""
            from html import escape

            html = f"<p>{escape(text)}</p>" if text else ""
        author = entry.get("author") or (entry.get("authors") or [None])[0]
        entries.append(_item(entry, urljoin(base, str(link)) if link else "", base, html, author))
    title = data.get("title")
    return ParsedFeed(
        entries=entries,
        version="json" + str(data.get("version", "")).rsplit("/", 1)[-1],
        title=" ".join(title.split()) or None if isinstance(title, str) else None,
    )


def _item(entry: dict[str, Any], link: str, base: str, html: str, author: Any) -> dict[str, Any]:
    return {
        "kind": "news",
        "url": link,
        "base_url": base,
        "guid": str(entry.get("id")) if entry.get("id") is not None else None,
        "title": str(entry.get("title") or ""),
        "summary": str(entry.get("summary") or ""),
        "body_html": html,
        "author": author.get("name") if isinstance(author, dict) else None,
        "image_url": entry.get("image") if isinstance(entry.get("image"), str) else None,
        "published_raw": entry.get("date_published") or entry.get("date_modified"),
    }
