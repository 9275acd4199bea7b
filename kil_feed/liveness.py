"""Is a job (or notice) still open? Re-checked politely before a send and in housekeeping.

A posting is **closed** when its closing date has passed, its page answers 404 or 410, or
the page no longer carries the advert: its JobPosting markup is gone (or its `validThrough`
has passed), or, for an advert read from plain text, the page no longer reads as one. A
check that cannot reach the host (timeout, DNS, 5xx, the time limit) leaves it **unknown**:
the job is kept and the reason said, never dropped on a guess.

A procurement notice is checked by its data only: closed once its deadline has passed. Its
page is not fetched, since a notice's page on Find a Tender or Contracts Finder stays
published as a public record after the tender closes (a 200 there says nothing), and a
cancelled or amended tender comes as a new release, which the notices crawl records.

Bounded and polite: at most `concurrency` requests at once and one at a time per host with
`per_host_delay` between them, a timeout per request and a total `time_limit`, the
crawler's User-Agent, and conditional GET with the ETag / Last-Modified of the last check
(a 304 means unchanged, so still open). Only http(s) to public hosts unless private
networks are allowed, as for the crawler. A host that cannot be reached at all (its name
does not resolve, the connection is refused or times out) is not asked again in the same
check: its other postings are unknown at once, instead of each waiting its turn to fail
(a send waits for the check before its first message).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from crawler.netguard import BlockedURL, check_url

logger = logging.getLogger(__name__)

OPEN, CLOSED, UNKNOWN = "open", "closed", "unknown"
MAX_BYTES = 2_000_000  # an advert page; anything longer is read only this far


@dataclass(frozen=True)
class Target:
    """One posting to check, as stored."""

    item_id: int
    url: str
    closes_at: datetime | None = None
    # how the crawler read it: "jobposting" (markup), "advert-text" (the page's own text),
    # None (a feed entry, or stored before this was recorded: only status and dates count)
    extraction: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fetch: bool = True  # False for a notice: only its closing date counts (module doc)


@dataclass(frozen=True)
class Check:
    """What a check found: `state` is OPEN, CLOSED or UNKNOWN; `reason` says why."""

    item_id: int
    state: str
    reason: str
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Limits:
    """How hard a check may push: see the module docstring."""

    concurrency: int = 4
    per_host_delay: float = 0.5
    timeout: float = 10.0
    time_limit: float = 30.0
    user_agent: str = "kil-feed liveness check"
    allow_private: bool = False


def check_postings(
    targets: Sequence[Target], limits: Limits, *, now: datetime | None = None
) -> list[Check]:
    """A Check per target, in the targets' order (a blocking call: runs its own loop)."""
    now = now or datetime.now(UTC)
    return asyncio.run(_check_all(list(targets), limits, now))


async def _check_all(targets: list[Target], limits: Limits, now: datetime) -> list[Check]:
    results: dict[int, Check] = {}
    by_host: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        if target.closes_at is not None and _aware(target.closes_at) <= now:
            results[target.item_id] = Check(target.item_id, CLOSED, "closing date passed")
            continue
        if not target.fetch:
            results[target.item_id] = Check(target.item_id, OPEN, "closing date not passed")
            continue
        try:
            check_url(target.url, allow_private=limits.allow_private)
        except BlockedURL as exc:
            results[target.item_id] = Check(target.item_id, UNKNOWN, f"not checked: {exc}")
            continue
        by_host[urlsplit(target.url).netloc.lower()].append(target)
    gate = asyncio.Semaphore(max(1, limits.concurrency))
    deadline = time.monotonic() + limits.time_limit
    headers = {"User-Agent": limits.user_agent}
    timeout = httpx.Timeout(limits.timeout)
    async with httpx.AsyncClient(headers=headers, timeout=timeout, follow_redirects=True) as client:

        async def host_queue(queue: list[Target]) -> None:
            down: str | None = None  # why the host could not be reached
            for index, target in enumerate(queue):
                if down is not None:
                    results[target.item_id] = Check(target.item_id, UNKNOWN, down)
                    continue
                if index:
                    await asyncio.sleep(limits.per_host_delay)
                if time.monotonic() >= deadline:
                    results[target.item_id] = Check(
                        target.item_id, UNKNOWN, "not checked: time limit reached"
                    )
                    continue
                try:
                    async with gate:
                        results[target.item_id] = await _check_one(client, target, now)
                except _HostDown as exc:
                    results[target.item_id] = exc.check
                    down = f"not checked: {urlsplit(target.url).netloc} unreachable"

        tasks = [asyncio.create_task(host_queue(q)) for q in by_host.values()]
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=max(0.0, limits.time_limit))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    return [
        results.get(t.item_id) or Check(t.item_id, UNKNOWN, "not checked: time limit reached")
        for t in targets
    ]


class _HostDown(Exception):  # noqa: N818 - a signal within this module, not an error
    """The host was never reached (`check` says how): skip its other postings."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.reason)
        self.check = check


async def _check_one(client: httpx.AsyncClient, target: Target, now: datetime) -> Check:
    headers = {}
    if target.etag:
        headers["If-None-Match"] = target.etag
    if target.last_modified:
        headers["If-Modified-Since"] = target.last_modified
    try:
        async with client.stream("GET", target.url, headers=headers) as response:
            body = await _read_capped(response)
    except (httpx.HTTPError, OSError) as exc:
        reason = f"unreachable: {type(exc).__name__}: {exc}".strip()[:300]
        logger.info("liveness unknown item=%s url=%s %s", target.item_id, target.url, reason)
        check = Check(target.item_id, UNKNOWN, reason)
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):  # never reached it
            raise _HostDown(check) from None
        return check
    status = response.status_code
    etag = response.headers.get("ETag") or target.etag
    modified = response.headers.get("Last-Modified") or target.last_modified
    if status == 304:
        return Check(target.item_id, OPEN, "unchanged (304)", status, etag, modified)
    if status in (404, 410):
        return Check(target.item_id, CLOSED, f"page gone (HTTP {status})", status)
    if status >= 400:
        return Check(target.item_id, UNKNOWN, f"HTTP {status}: kept", status)
    text = body.decode(response.encoding or "utf-8", errors="replace")
    state, reason = advert_state(text, str(response.url), target.extraction, now)
    return Check(target.item_id, state, reason, status, etag, modified)


def advert_state(page: str, url: str, extraction: str | None, now: datetime) -> tuple[str, str]:
    """(state, reason) of a fetched page that once carried the posting."""
    from crawler.classify import parse_closing_date
    from crawler.extract.advert import advert_from_html
    from crawler.extract.jobs import jobs_from_html, jobs_from_json

    is_json = page.lstrip()[:1] in ("{", "[")
    postings = jobs_from_json(page, url) if is_json else jobs_from_html(page, url)
    if postings:
        closes = [parse_closing_date(p.get("valid_through")) for p in postings]
        if all(c is not None and c <= now for c in closes):
            return CLOSED, "validThrough passed"
        return OPEN, "advert still published"
    if extraction == "jobposting":
        return CLOSED, "JobPosting markup gone from the page"
    if extraction == "advert-text" and advert_from_html(page, url) is None:
        return CLOSED, "advert gone from the page"
    return OPEN, "page still published"


async def _read_capped(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BYTES:
            break
    return b"".join(chunks)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
