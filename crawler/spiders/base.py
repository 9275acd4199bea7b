"""The shared spider: loads the sources to crawl and turns every outcome into items.

Sources (`crawler.records.CrawlSource`) come as a JSON file prepared by the launcher
(`kil_feed.ingest`), with the stored ETag/Last-Modified for conditional GET and the id of
this crawl's run; by hand, `-a sources_file=` (a JSON list or JSON lines) or `-a url=`.
Spiders never touch the database: besides content items they yield one *status* item per
source (HTTP status, validators, error), which the store pipeline sends on.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawler.extract.titles import site_title_of
from crawler.itemstream import STATUS_KEY
from crawler.records import CrawlSource

logger = logging.getLogger(__name__)
SITE_TITLE_CHARS = 30_000  # a page's <head> is near its start
XML_HEAD = 8192  # an XHTML page's <html> follows its prolog and comments within this


class SourceSpider(scrapy.Spider):
    """Base spider; subclasses set `name`, `source_kind` and implement `parse_source`."""

    source_kind = "feed"
    conditional = False  # send If-None-Match / If-Modified-Since

    def __init__(
        self, sources_file: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sources: list[CrawlSource] = []
        if sources_file:
            self.sources = [
                s
                for s in read_sources(Path(sources_file))
                if s.get("kind", self.source_kind) == self.source_kind
            ]
        if url:
            self.sources.append(adhoc_source(url, self.source_kind, len(self.sources) + 1))
        if not self.sources:
            logger.warning("no sources: give -a sources_file=FILE or -a url=URL")

    async def start(self) -> AsyncIterator[Any]:
        # everything loaded so far (Scrapy, Twisted, our modules: a few hundred thousand
        # objects) lives as long as the process: the collector need not walk it again
        gc.freeze()
        for source in self.sources:
            yield self.source_request(source)

    def source_request(self, source: CrawlSource) -> scrapy.Request:
        headers = {}
        if self.conditional:
            if source.get("etag"):
                headers["If-None-Match"] = source["etag"]
            if source.get("last_modified"):
                headers["If-Modified-Since"] = source["last_modified"]
        return scrapy.Request(
            source["url"],
            headers=headers,
            callback=self.parse,
            errback=self.source_failed,
            dont_filter=True,
            meta={"kil_source": source, "handle_httpstatus_list": [304]},
        )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """A source's answer: 304 (unchanged) is a status item and nothing else."""
        source = response.meta["kil_source"]
        if response.status == 304:
            yield self.status_item(source, http_status=304)
            return
        yield from self.parse_source(response, source)

    def parse_source(self, response: Response, source: CrawlSource) -> Iterable[Any]:
        """Turn a fetched source (or a page it leads to) into items; subclasses implement."""
        raise NotImplementedError

    # --- items ----------------------------------------------------------------------

    def content_item(self, source: CrawlSource, fields: dict[str, Any]) -> dict[str, Any]:
        """A content item: the extracted fields plus where and when it was collected."""
        item = dict(fields)
        item.update(
            source_id=source["id"],
            source=source["name"],
            run_id=source.get("run_id"),
            source_topics=list(source.get("topics") or []),
            source_regions=list(source.get("regions") or []),
            collected_at=datetime.now(UTC),
        )
        return item

    def status_item(
        self,
        source: CrawlSource,
        *,
        http_status: int | None = None,
        error: str | None = None,
        problem: str | None = None,
        response: Response | None = None,
        fatal: bool = True,
        site_title: str | None = None,
        page_url: str | None = None,
        read: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The outcome of fetching a source (or one of its pages when `fatal` is False).

        `site_title` (else an HTML page's own site name) becomes the source's display name
        if it has none yet. `page_url` names the linked page that failed, for `kil sources
        check` (a crawl records the page in its error text: it is not a SourceStatus field);
        `read`, what a notices source's answer held and its filters kept, is for the check
        alone too (`crawler.ocds.records.NoticesRead`)."""
        etag = last_modified = None
        if response is not None and response.status == 200:
            etag = _header(response, "ETag")
            last_modified = _header(response, "Last-Modified")
            if site_title is None and isinstance(response, TextResponse) and fatal:
                site_title = site_title_of(body_text(response)[:SITE_TITLE_CHARS])
        return {
            STATUS_KEY: True,
            "source_id": source["id"],
            "source": source["name"],
            "run_id": source.get("run_id"),
            "http_status": http_status,
            "error": error,
            "problem": problem,
            "fatal": fatal,
            "etag": etag,
            "last_modified": last_modified,
            "site_title": site_title,
            "page_url": page_url,
            "read": read,
            "kind": source.get("kind") or self.source_kind,
        }

    def source_failed(self, failure: Failure) -> Iterable[dict[str, Any]]:
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta["kil_source"]
        status = failure.value.response.status if failure.check(HttpError) else None
        message = describe_failure(failure)
        logger.warning(
            "source failed source=%s url=%s error=%s", source["name"], request.url, message
        )
        yield self.status_item(source, http_status=status, error=message)

    def page_failed(self, failure: Failure) -> Iterable[dict[str, Any]]:
        """A linked page failed: recorded on the source, the other pages go on."""
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta["kil_source"]
        status = failure.value.response.status if failure.check(HttpError) else None
        message = f"{request.url}: {describe_failure(failure)}"
        yield self.status_item(
            source, http_status=status, error=message, fatal=False, page_url=request.url
        )


def read_sources(path: Path) -> list[CrawlSource]:
    """A sources file: a JSON list of CrawlSource, or one per line (JSON lines)."""
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        return list(json.loads(text))
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def adhoc_source(url: str, kind: str, number: int) -> CrawlSource:
    """A source given on the command line (`-a url=`): no stored state, no run."""
    return CrawlSource(
        id=number, name=url, kind=kind, url=url, options={}, topics=[], regions=[],
        etag=None, last_modified=None, run_id=None,
    )  # fmt: skip


# why a request failed, in words, by the exception Scrapy or Twisted raised
_FAILURE_WORDS = {
    "CannotResolveHostError": "DNS lookup failed: the host name does not resolve",
    "DNSLookupError": "DNS lookup failed: the host name does not resolve",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "DownloadCancelledError": "download cancelled (response too large?)",
    "ResponseDataLossError": "the response was cut short",
    "ResponseNeverReceived": "the server closed the connection without answering",
    "ConnectionLost": "the connection was lost",
    "UnsupportedURLSchemeError": "unsupported URL scheme",
}


def describe_failure(failure: Failure) -> str:
    """One line saying why a request failed, in words (no exception class names)."""
    value = failure.value
    if failure.check(HttpError):
        return f"HTTP {value.response.status}"
    if failure.check(IgnoreRequest):  # robots.txt, a private address: the reason is the text
        return (str(value).strip() or "request refused")[:500]
    name = type(value).__name__
    if failure.check(TimeoutError, TCPTimedOutError) or "Timeout" in name:
        return "timed out"
    words = _FAILURE_WORDS.get(name)
    detail = str(value).strip()
    if words:
        return words
    return (detail or name)[:500]


def body_text(response: Response) -> str:
    """The response as text, whatever Scrapy thought its type was."""
    if isinstance(response, TextResponse):
        return response.text
    return response.body.decode("utf-8", errors="replace")


def sniff(response: Response) -> str:
    """'json', 'sitemap', 'feed' or 'html' from the first bytes of the body. An XML
    document that is neither a sitemap nor a web page is a feed: job boards' ATS feeds have
    roots of their own (Broadbean's `<items>`, Vacancy Poster's bare `<channel>`)."""
    body = response.body
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (a BOM): its ASCII, as bytes
        body = body[:XML_HEAD].decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:1] in (b"{", b"["):
        return "json"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<html" in head or b"<!doctype html" in head:
        return "html"
    if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf", b"<channel")):
        return "feed"
    if head.startswith(b"<?xml") and b"<html" not in body[:XML_HEAD].lower():
        return "feed"
    return "html"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
