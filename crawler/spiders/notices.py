"""Procurement notices from OCDS APIs: Find a Tender, Contracts Finder, any OCDS package URL.

A crawl reads one date window per source, page by page along `links.next` (a cursor),
from the source's checkpoint: the end of the last completed window minus an overlap, or
`backfill_days` back on a first crawl. After each page it sends a checkpoint record (the
window and the next page's URL), after the last one the window's end: a crawl that dies
mid-pagination resumes from the cursor it had reached, and no window is ever skipped.
429 answers wait for `Retry-After`, 5xx ones back off; both are retried a few times, then
recorded on the source. One item per ocid and page; storage merges it with what is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from crawler.itemstream import STATUS_KEY
from crawler.normal import UK
from crawler.ocds import OcdsDocument, compile_document, read_ocds
from crawler.ocds.item import notice_item
from crawler.ocds.records import DEFAULT_BACKFILL_DAYS, NoticesRead, PageRead
from crawler.records import CrawlSource
from crawler.spiders.base import SourceSpider

DEFAULT_OVERLAP_MINUTES = 60
DEFAULT_PAGE_SIZE = 100
DEFAULT_MAX_PAGES = 1000
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 4  # per page
MAX_WAIT_SECONDS = 120.0  # a longer Retry-After is capped (the crawl has a time limit)
FILTERS = ("stages", "cpv", "buyer_types", "min_value", "regions")  # the order tried
# the API's stage names, where they differ from ours (Find a Tender filters on OCDS tags)
_FTS_STAGES = {"amendment": "contract", "termination": "contract"}


class NoticesSpider(SourceSpider):
    name = "notices"
    source_kind = "notices"

    def source_request(self, source: CrawlSource) -> scrapy.Request:
        """A source's first page: where its checkpoint says (`SourceSpider.start`, and a
        worker given a queued source, both start here)."""
        return self.first_request(dict(source))

    def first_request(self, source: dict[str, Any], now: datetime | None = None) -> scrapy.Request:
        options = source.get("options") or {}
        checkpoint = source.get("checkpoint") or {}
        if checkpoint.get("next") and checkpoint.get("window_to"):
            window = (checkpoint["window_from"], checkpoint["window_to"])
            url = checkpoint["next"]  # resume a window that a crawl did not finish
        else:
            window = window_for(checkpoint, options, now or datetime.now(UTC))
            url = page_url(source["url"], options, window)
        return self.page_request(url, source, window, page=1)

    def page_request(
        self, url: str, source: dict[str, Any], window: tuple[str, str], *, page: int,
        attempt: int = 1, read: dict[str, Any] | None = None,
    ) -> scrapy.Request:  # fmt: skip
        """`read`: what the window's earlier pages gave (a `NoticesRead`, and `problems` as
        [page, problem] pairs), said once the window is done."""
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.source_failed,
            dont_filter=True,
            headers={"Accept": "application/json"},
            meta={
                "kil_source": source,
                "kil_window": window,
                "kil_page": page,
                "kil_attempt": attempt,
                "kil_read": read or new_read(source, window),
                "dont_retry": True,  # 429 and 5xx are retried here, with their waits
                "handle_httpstatus_list": list(RETRY_STATUSES),
            },
        )

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        source = response.meta["kil_source"]
        window, page = response.meta["kil_window"], response.meta["kil_page"]
        if response.status in RETRY_STATUSES:
            attempt = response.meta["kil_attempt"]
            if attempt >= MAX_ATTEMPTS:
                yield self.status_item(
                    source,
                    http_status=response.status,
                    error=f"HTTP {response.status} on page {page} after {attempt} attempts; "
                    "the next crawl resumes from this page",
                )
                return
            await asyncio.sleep(retry_wait(response, attempt))
            yield self.page_request(response.url, source, window, page=page, attempt=attempt + 1,
                                    read=response.meta.get("kil_read"))  # fmt: skip
            return
        for record in self.page_records(response, source, window, page):
            yield record

    def page_records(
        self, response: Response, source: dict[str, Any], window: tuple[str, str], page: int
    ) -> Iterator[Any]:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        doc = read_ocds(response.body, content_type)  # its charset: UTF-16 servers
        before = response.meta.get("kil_read") or new_read(source, window)
        read = page_read(before, doc, page=page, url=response.url, content_type=content_type)
        if doc.error:
            yield self.status_item(source, http_status=response.status,
                                   error=f"page {page}: {doc.error}", read=said(read))  # fmt: skip
            return
        options = source.get("options") or {}
        notices = compile_document(doc)
        read["notices"] += len(notices)
        if doc.problem:
            read["problems"].append([page, doc.problem])
        for notice in notices:
            reason = left_out_by(notice["fields"], options)
            if reason:
                read["left_out"][reason] += 1
                continue
            read["kept"] += 1
            item = notice_item(
                notice["fields"], notice["compiled"], notice["history"], fallback_url=response.url
            )
            yield self.content_item(source, item)
        next_url = doc.next_url
        if next_url and page < int(options.get("max_pages") or DEFAULT_MAX_PAGES):
            yield checkpoint_record(source, {"window_from": window[0], "window_to": window[1],
                                             "next": next_url, "page": page + 1})  # fmt: skip
            yield self.page_request(next_url, source, window, page=page + 1, read=read)
            return
        done = {"done_until": window[1], "next": None}
        if next_url:
            done["stopped_at_max_pages"] = page
        yield checkpoint_record(source, done)
        problem = window_problem(read["problems"], pages=page)
        if problem and not read["notices"]:  # defective, and not one notice could be read
            error = f"notice data with no notices: {problem}"
            yield self.status_item(source, http_status=response.status, error=error,
                                   read=said(read))  # fmt: skip
            return
        # records skipped or repaired, yet notices were read: the source is ok, with a warning
        yield self.status_item(
            source, http_status=response.status, problem=problem, response=response,
            read=said(read),
        )  # fmt: skip


def new_read(source: dict[str, Any], window: tuple[str, str]) -> dict[str, Any]:
    """A window's `NoticesRead` before its first page, with `problems` (the pages' tolerated
    defects, which a status item says as its `problem`)."""
    options = source.get("options") or {}
    dated = options.get("api", "ocds") != "ocds"  # a plain package URL is read as given
    return {"read_as": "", "window": list(window) if dated else None, "pages": [],
            "releases": 0, "records": 0, "notices": 0, "kept": 0,
            "left_out": dict.fromkeys(filters_set(options), 0), "problems": []}  # fmt: skip


def page_read(
    read: dict[str, Any], doc: OcdsDocument, *, page: int, url: str, content_type: str
) -> dict[str, Any]:
    """`read` (a copy) with one more page: what it was read as and what it held."""
    pages: list[PageRead] = [*read["pages"], {
        "page": page, "url": url, "read_as": doc.read_as, "content_type": content_type or None,
        "releases": doc.release_count, "records": len(doc.records), "next": doc.next_url,
    }]  # fmt: skip
    return {
        **read, "pages": pages, "problems": list(read["problems"]),
        "left_out": dict(read["left_out"]),
        "read_as": "; ".join(dict.fromkeys(p["read_as"] for p in pages)),
        "releases": read["releases"] + doc.release_count,
        "records": read["records"] + len(doc.records),
    }  # fmt: skip


def said(read: dict[str, Any]) -> NoticesRead:
    """What a status item tells of a window's reading (its problems are said apart)."""
    return {k: v for k, v in read.items() if k != "problems"}  # type: ignore[return-value]


def window_problem(problems: list[list[Any]], *, pages: int) -> str | None:
    """A window's tolerated defects in one line, each named by its page when it had several."""
    if pages == 1:
        return "; ".join(str(p) for _, p in problems) or None
    return "; ".join(f"page {n}: {p}" for n, p in problems) or None


def checkpoint_record(source: dict[str, Any], checkpoint: dict[str, Any]) -> dict[str, Any]:
    """A record for the launcher: the source's checkpoint, stored after the items before it."""
    return {
        STATUS_KEY: True,
        "source_id": source["id"],
        "source": source["name"],
        "run_id": source.get("run_id"),
        "fatal": False,
        "checkpoint": checkpoint,
    }


def window_for(
    checkpoint: dict[str, Any], options: dict[str, Any], now: datetime
) -> tuple[str, str]:
    """(from, to) as UTC ISO strings: from the last window's end less the overlap, or a
    back-fill of `backfill_days` on a first crawl; to now."""
    done = checkpoint.get("done_until")
    if done:
        overlap = int(options.get("overlap_minutes", DEFAULT_OVERLAP_MINUTES))
        start = datetime.fromisoformat(done) - timedelta(minutes=overlap)
    else:
        start = now - timedelta(days=int(options.get("backfill_days", DEFAULT_BACKFILL_DAYS)))
    return _iso(start), _iso(now)


def page_url(base: str, options: dict[str, Any], window: tuple[str, str]) -> str:
    """The first page's URL of a window, in each API's own parameters and date format."""
    api = options.get("api", "ocds")
    start, end = (datetime.fromisoformat(w) for w in window)
    size = int(options.get("page_size") or DEFAULT_PAGE_SIZE)
    stages = list(options.get("stages") or [])
    if api == "fts":
        # Find a Tender reads an offset-less time as UK local time
        params: list[tuple[str, str]] = [
            ("updatedFrom", _uk_local(start)),
            ("updatedTo", _uk_local(end)),
        ]
        api_stages = dict.fromkeys(_FTS_STAGES.get(s, s) for s in stages)
        params += [("stages", ",".join(api_stages))] if api_stages else []
        params.append(("limit", str(size)))
    elif api == "contracts-finder":
        params = [
            ("publishedFrom", _uk_local(start)),
            ("publishedTo", _uk_local(end)),
        ]
        cf_stages = [s for s in stages if s in ("planning", "tender", "award")]
        params += [("stages", ",".join(cf_stages))] if cf_stages else []
        params.append(("limit", str(size)))
    else:
        return base  # a plain package URL: read as given, its links.next followed
    parts = urlsplit(base)
    query = "&".join(p for p in (parts.query, urlencode(params)) if p)
    return urlunsplit(parts._replace(query=query))


def retry_wait(response: Response, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds or a date), else 1, 2, 4 ..."""
    header = response.headers.get("Retry-After")
    if header:
        value = header.decode("latin-1").strip()
        try:
            return min(max(float(value), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                delta = (when - datetime.now(UTC)).total_seconds()
                return min(max(delta, 0.0), MAX_WAIT_SECONDS)
            except (TypeError, ValueError):
                pass
    return min(float(2 ** (attempt - 1)), MAX_WAIT_SECONDS)


def filters_set(options: dict[str, Any]) -> list[str]:
    """The source's filters, in the order a notice is tried against them."""
    return [f for f in FILTERS if options.get(f) not in (None, [], "")]


def left_out_by(fields: dict[str, Any], options: dict[str, Any]) -> str | None:
    """The first of the source's filters (stages, cpv, buyer types, value, regions) that a
    notice fails, or None when it passes them all."""
    if options.get("stages") and fields["stage"] not in options["stages"]:
        return "stages"
    prefixes = options.get("cpv") or []
    if prefixes and not any(c["code"].startswith(tuple(prefixes)) for c in fields["cpv"]):
        return "cpv"
    if options.get("buyer_types") and fields["buyer_type"] not in options["buyer_types"]:
        return "buyer_types"
    minimum = options.get("min_value")
    if minimum is not None:
        value = fields["value_amount"] or fields["value_gross"] or fields["value_min"]
        if value is None or value < float(minimum):
            return "min_value"
    if options.get("regions") and fields["region"] not in options["regions"]:
        return "regions"
    return None


def keep(fields: dict[str, Any], options: dict[str, Any]) -> bool:
    """Whether a notice passes the source's filters."""
    return left_out_by(fields, options) is None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _uk_local(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M:%S")
