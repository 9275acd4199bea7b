"""Feed entries to plain item dicts (feedparser on the downloaded bytes).

feedparser is given the body only (never a URL, so it fetches nothing itself) plus the
response headers for encoding detection. Its DOCTYPE handling keeps only simple entities,
so billion-laughs chains and external entities are not expanded (see tests).
"""

from __future__ import annotations

import calendar
import html
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

logger = logging.getLogger(__name__)

HTML_TYPES = {"text/html", "application/xhtml+xml"}
_DECLARATION_BYTES = 512  # an XML declaration opens the document


@dataclass
class ParsedFeed:
    entries: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""
    problem: str | None = None  # why feedparser flagged the feed (bozo), if it did
    is_feed: bool = True
    title: str | None = None  # the feed's own title: the source's display name by default
    error: str | None = None  # why the body could not be read at all: the source's error


def parse_feed(
    body: bytes, url: str, headers: dict[str, str] | None = None, *, jobs: bool = False
) -> ParsedFeed:
    """Parse feed bytes; entries come back as plain item dicts (kind news). With `jobs`,
    each entry also carries the job fields its feed states (`crawler.extract.jobfeed`)."""
    # imported on first use: a crawl where every feed answers 304 never parses one
    import feedparser

    _index_cp1252_table()
    parsed = feedparser.parse(
        body,
        response_headers=_believed_headers(headers or {}, body),
        # nh3 sanitises later with our own allow-list and makes links absolute against the
        # entry's xml:base, so feedparser need not re-parse every HTML field to do either
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    version = parsed.get("version") or ""
    entries = [entry_to_item(e, url, jobs=jobs) for e in parsed.get("entries", [])]
    is_feed = bool(version) or bool(entries)
    feed = parsed.get("feed") or {}
    feed_title = " ".join(str(feed.get("title") or "").split()) or None
    site = urljoin(url, str(feed.get("link") or "").strip())
    for entry in entries:
        if entry and not entry.get("url"):
            entry["_site_url"] = site  # where its URL goes if it has an id (validate)
    return ParsedFeed(
        entries=[e for e in entries if e],
        version=version,
        problem=problem,
        is_feed=is_feed,
        title=feed_title,
    )


def parse_feed_response(response: Any, *, jobs: bool = False) -> ParsedFeed:
    """`parse_feed` of a Scrapy response, given its headers: the one way news and job
    feeds are read, so the server's charset counts for both (`_believed_headers`)."""
    return parse_feed(response.body, response.url, response_headers(response), jobs=jobs)


def response_headers(response: Any) -> dict[str, str]:
    """A Scrapy response's headers as text, the first value of each."""
    return {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}


# The encoding an XML declaration names, at the very start of the document (after a BOM).
_XML_DECLARED = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']"""
)
_SERVER_DEFAULT = "cp1252"  # how w3lib (as WHATWG's Encoding Standard) reads a Latin-1 label


def _believed_headers(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """The response headers feedparser should go by, lower-cased. A charset that is not
    UTF-8, on a body that is valid UTF-8 beyond ASCII, is a server's default (Apache's
    ISO-8859-1), not the feed's: text in another encoding is almost never valid UTF-8, and
    ISO-8859-1 would decode every byte of it wrongly without a complaint ("PÃ¡draic"). The
    document's own declaration then decides, as in Miniflux. A Latin-1 label on any other
    body is that default too: a document that declares another encoding its bytes are
    valid in (windows-1251, GB2312) is read in that one; else the body is windows-1252, as
    the Encoding Standard reads every Latin-1 label (its smart quotes and euro, which
    ISO-8859-1 has as control characters)."""
    from w3lib.encoding import http_content_type_encoding, resolve_encoding

    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "")
    charset = http_content_type_encoding(content_type)
    if charset in (None, "utf-8") or body.isascii():
        return lowered
    if _decodes(body, "utf-8"):
        lowered["content-type"] = "application/xml"
        return lowered
    if charset != _SERVER_DEFAULT:
        return lowered  # a label other than the default is the publisher's own choice
    found = _XML_DECLARED.match(body[:_DECLARATION_BYTES])
    declared = resolve_encoding(found.group(1).decode("ascii")) if found else None
    if declared not in (None, "utf-8", _SERVER_DEFAULT) and _decodes(body, declared):
        lowered["content-type"] = "application/xml"
    else:
        media_type = content_type.split(";", 1)[0].strip() or "application/xml"
        lowered["content-type"] = f"{media_type}; charset=windows-1252"
    return lowered


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _index_cp1252_table() -> None:
    """Give feedparser its cp1252 table as a list indexed by code point, once.

    feedparser maps the C1 controls (U+0080-U+009F) of every text it reads to the cp1252
    characters they stand for, with `str.translate` and a dict of 27 entries. For text that
    is not pure ASCII, every character the dict lacks costs translate a KeyError: about 6% of
    a crawl process's CPU. A list with the same 27 entries and every other character mapped
    to itself is the same mapping (above U+FFFF the IndexError leaves a character as it is,
    like the KeyError), three times faster. Only the parser's own reference is replaced.
    """
    from feedparser import mixin

    table = getattr(mixin, "_cp1252", None)
    if not isinstance(table, dict):
        return  # done already (or a feedparser without it)
    indexed: list[int | str] = list(range(0x10000))
    for code, text in table.items():
        indexed[code] = text
    mixin._cp1252 = indexed  # type: ignore[attr-defined]


def entry_to_item(entry: Any, feed_url: str, *, jobs: bool = False) -> dict[str, Any]:
    """One feedparser entry as an item dict; text fields are plain text, HTML is marked."""
    # the entry's own keys, read as a plain dict: FeedParserDict.get maps legacy names
    # (none of these) at a cost, and answers `updated` with `published` and a warning
    get = dict.get
    title_detail = get(entry, "title_detail") or {}
    title = _text_of(title_detail, get(entry, "title", ""))
    link = get(entry, "link") or ""
    if not link:
        links = [lk.get("href") for lk in get(entry, "links", []) if lk.get("href")]
        link = links[0] if links else ""
    if get(entry, "guidislink") and not _GUID_ADDRESS.match(link):
        link = ""  # an id feedparser took for the link: validate finds the entry its URL
    body_html = ""
    contents = get(entry, "content") or []
    summary_detail = get(entry, "summary_detail") or {}
    best = summary_detail
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        body_html = _as_html(best)
    summary_html = _as_html(summary_detail) if summary_detail else ""
    image = None
    for media in (get(entry, "media_thumbnail") or []) + (get(entry, "media_content") or []):
        if media.get("url"):  # FeedParserDict: `url` is also an `href`
            image = media["url"]
            break
    published = get(entry, "published_parsed") or get(entry, "updated_parsed")
    published_raw = get(entry, "published") or get(entry, "updated")
    item = {
        "kind": "news",
        "url": link.strip(),
        "base_url": best.get("base") or title_detail.get("base") or feed_url,
        "guid": (get(entry, "id") or "").strip() or None,
        "title": title,
        "summary_html": summary_html,
        "body_html": body_html or summary_html,
        "author": (get(entry, "author") or "").strip() or None,
        "image_url": image,
        "published": _feedparser_date(published, published_raw),
        "published_raw": published_raw,
        "categories": [t.get("term") for t in get(entry, "tags", []) if t.get("term")],
    }
    return _with_job_fields(item, entry) if jobs else item


def _with_job_fields(item: dict[str, Any], entry: Any) -> dict[str, Any]:
    """The item plus its entry's job fields; what the entry's standard elements gave (link,
    title, guid, description) is kept, the vacancy's own elements fill what they lack."""
    from crawler.extract.jobfeed import job_fields

    fields = job_fields(entry)
    body = fields.pop("body", None)
    details = "".join(
        f"<li>{name}: {html.escape(value)}</li>"
        for name in ("IR35", "Duration")
        if (value := fields.pop(name, None))
    )
    for key in ("url", "title", "guid"):
        value = fields.pop(key, None)
        if value and not item.get(key):
            item[key] = value
    if body and not item["body_html"]:
        if "&lt;" in body and "<" not in body:
            body = html.unescape(body)  # HTML escaped once too often (current-vacancies.com)
        item["body_html"] = _as_html({"type": "text/html" if "<" in body else "", "value": body})
    if details:  # as a plain advert's labelled details (`crawler.extract.advert`)
        item["body_html"] = f"<ul>{details}</ul>" + item["body_html"]
    return {**item, **fields}


# a permalink guid that can be an address: a web URL, or a path on the feed's site
_GUID_ADDRESS = re.compile(r"(?i)https?://|/")


def _text_of(detail: dict[str, Any], value: str) -> str:
    """Plain text of a title: HTML types are converted, plain text is kept as typed. The
    entry's own title wins over its detail's value: an <atom:author> inside an RSS item
    has a <title> of its own (Google's Cloud blog: the author's job), which feedparser
    puts in `title_detail` but not in `title`."""
    value = value or detail.get("value") or ""
    if detail.get("type") in HTML_TYPES:
        from crawler.extract.text import html_to_text

        return html_to_text(value)
    return value


def _as_html(detail: dict[str, Any]) -> str:
    """Content as HTML: plain-text content is escaped, never trusted as markup."""
    value = detail.get("value") or ""
    if detail.get("type") in HTML_TYPES:
        return value
    from html import escape

    return "<p>" + escape(value).replace("\n\n", "</p><p>") + "</p>" if value.strip() else ""


# a zone after a time: "09:00:00 GMT", "09:00+01:00", "T090000Z", "9:00 -0500"
_NAMES_ZONE = re.compile(
    r"(?:\d:\d{2}(?::\d{2})?|T\d{4}(?:\d{2})?)(?:[.,]\d+)?\s*"
    r"(?:Z\b|[+-]\d{2}(?::?\d{2})?|[A-Z]{2,5}\b)"
)


def _feedparser_date(value: Any, raw: Any) -> datetime | None:
    """feedparser's reading of an entry's date (kept for when `crawler.normal.parse_date`
    cannot read it). feedparser takes a date that names no zone ("20260701") for UTC; as on
    every other path, it is UK wall time (`crawler.normal.uk_time`) instead. Its readings
    of Korean dates give their zone (KST) without naming it, so only ASCII is re-read."""
    parsed = _struct_to_dt(value)
    if parsed is None or not isinstance(raw, str) or not raw.isascii() or _NAMES_ZONE.search(raw):
        return parsed
    from crawler.normal import uk_time

    return uk_time(parsed.replace(tzinfo=None)).astimezone(UTC)


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None
