"""Conditional GETs without Scrapy: which feeds answer 304 Not Modified.

A feed fetched a short while ago, with a stored ETag or Last-Modified, has most likely not
changed. Starting a Scrapy process (about half a second of CPU) only to hear "304" from
each of them is most of what an unchanged crawl costs, so the launcher asks those feeds
here first, as politely as the crawl would: the same User-Agent and default headers, the
robots.txt answers kept from earlier crawls (a site with none kept goes to Scrapy), the
private-network guard, one request at a time per host with the download delay between
them, the download timeout (at most `MAX_TIMEOUT`), and no proxy (a source that would be
fetched through one goes to Scrapy).

Only a plain 304 for the source's own URL is taken. Every other answer (200, a redirect,
an error, a time-out) leaves the source to the Scrapy crawl, which fetches it as it always
did: such a body is never read here, the connection is closed after the status line, and
`ready_at` says when that host may be asked again (the download delay after this request).

Standard library only, and protego (Scrapy's own robots.txt parser).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import logging
import ssl
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from crawler.netguard import BlockedURL, check_url
from crawler.records import CrawlSource, RobotsAnswer, SourceStatus, source_status

logger = logging.getLogger(__name__)
MAX_TIMEOUT = 10.0  # seconds: a slow answer is left to the crawl, which waits longer
MAX_WORKERS = 16
# what Scrapy sends by default (DEFAULT_REQUEST_HEADERS, HttpCompressionMiddleware)
DEFAULT_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}


@dataclass(frozen=True)
class Politeness:
    """How the crawl would fetch: the same values as its Scrapy settings."""

    user_agent: str
    timeout: float
    delay: float  # seconds between two requests to one host
    concurrency: int  # requests in flight, all hosts
    allow_private: bool
    obey_robots: bool


@dataclass
class Revalidation:
    """Which sources answered 304 (their status records) and when each host that gave
    another answer may be asked again (monotonic seconds)."""

    unchanged: list[SourceStatus] = field(default_factory=list)
    ready_at: dict[str, float] = field(default_factory=dict)

    @property
    def unchanged_ids(self) -> set[int]:
        return {status["source_id"] for status in self.unchanged}


def revalidate(
    sources: Sequence[CrawlSource],
    politeness: Politeness,
    robots: dict[str, RobotsAnswer],
    *,
    budget: float,
    stop: threading.Event | None = None,
) -> Revalidation:
    """Ask each source (which has an ETag or Last-Modified) whether it changed.

    `robots` holds the kept robots.txt answers by origin (`scheme://netloc`). No request
    starts after `budget` seconds or once `stop` is set: those sources go to the crawl.
    """
    stop = stop or threading.Event()
    give_up_at = time.monotonic() + budget
    rules = _Rules(politeness, robots)
    by_host: dict[str, list[CrawlSource]] = {}  # by host name, as Scrapy's download slots
    for source in sources:
        if rules.may_ask(source):
            by_host.setdefault(host_of(source["url"]), []).append(source)
    result = Revalidation()
    if not by_host:
        return result
    lock = threading.Lock()

    def ask_host(host: str, group: list[CrawlSource]) -> None:
        if not rules.public_enough(group[0]["url"]):  # resolving the name: in this thread
            return
        asker = _HostAsker(politeness)
        try:
            for number, source in enumerate(group):
                if number and stop.wait(politeness.delay):
                    return
                if stop.is_set() or time.monotonic() >= give_up_at:
                    return
                unchanged = asker.ask(source)
                with lock:
                    if unchanged:
                        result.unchanged.append(not_modified(source))
                    else:
                        result.ready_at[host] = time.monotonic() + politeness.delay
        finally:
            asker.close()

    workers = max(1, min(politeness.concurrency, MAX_WORKERS, len(by_host)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kil-revalidate") as pool:
        for future in [pool.submit(ask_host, h, g) for h, g in by_host.items()]:
            future.result()
    return result


def host_of(url: str) -> str:
    """The host name of a URL (lower case): what Scrapy keeps one download slot for."""
    return (urlsplit(url).hostname or "").lower()


class _Rules:
    """Whether a source can be asked here at all (else the crawl fetches it); the proxies
    and the parsed robots.txt of each site are looked up once per revalidation."""

    def __init__(self, politeness: Politeness, robots: dict[str, RobotsAnswer]) -> None:
        self.politeness = politeness
        self.robots = robots
        self.proxies = urllib.request.getproxies()
        self.parsers: dict[str, Any] = {}

    def may_ask(self, source: CrawlSource) -> bool:
        if not (source.get("etag") or source.get("last_modified")):
            return False
        url = source["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        if parts.scheme in self.proxies and not urllib.request.proxy_bypass(parts.hostname):
            return False  # Scrapy would fetch it through the environment's proxy
        if self.politeness.obey_robots:
            return self._robots_allow(f"{parts.scheme}://{parts.netloc}", url)
        return True

    def public_enough(self, url: str) -> bool:
        """The private-network guard (which may resolve the host name): a blocked source
        is left to the crawl, which records why."""
        try:
            check_url(url, allow_private=self.politeness.allow_private)
        except BlockedURL:
            return False
        return True

    def _robots_allow(self, origin: str, url: str) -> bool:
        """robots.txt as `crawler.robots` reads it: 4xx allows all, 2xx is parsed; a site
        with no answer kept is left to the crawl."""
        answer = self.robots.get(origin)
        if answer is None or answer["status"] >= 500:
            return False
        if answer["status"] >= 400:
            return True
        if origin not in self.parsers:
            from protego import Protego

            self.parsers[origin] = Protego.parse(answer["body"])
        return bool(self.parsers[origin].can_fetch(url, self.politeness.user_agent))


class _HostAsker:
    """One keep-alive connection to one host, reopened after any answer but a 304."""

    def __init__(self, politeness: Politeness) -> None:
        self.politeness = politeness
        self.connection: http.client.HTTPConnection | None = None
        self.address: tuple[str, str] = ("", "")

    def ask(self, source: CrawlSource) -> bool:
        """Whether the source answered 304 to a conditional GET of its URL."""
        parts = urlsplit(source["url"])
        headers = {"User-Agent": self.politeness.user_agent, **DEFAULT_HEADERS}
        if source.get("etag"):
            headers["If-None-Match"] = source["etag"]  # type: ignore[assignment]
        if source.get("last_modified"):
            headers["If-Modified-Since"] = source["last_modified"]  # type: ignore[assignment]
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection = self._connection(parts.scheme, parts.netloc)
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            if response.status == 304:
                response.read()  # empty: the connection can be used again
                if response.will_close:
                    self.close()
                return True
        except (OSError, http.client.HTTPException, ValueError) as exc:
            logger.debug("revalidation failed url=%s error=%r", source["url"], exc)
        except Exception as exc:  # never a reason to fail the crawl: it fetches the feed
            logger.warning("revalidation failed url=%s error=%r", source["url"], exc)
        self.close()  # any other answer's body is left unread
        return False

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if self.connection is not None and self.address != (scheme, netloc):
            self.close()  # one host name, another port or scheme
        if self.connection is None:
            timeout = min(self.politeness.timeout, MAX_TIMEOUT)
            if scheme == "https":
                self.connection = http.client.HTTPSConnection(
                    netloc, timeout=timeout, context=_tls_context()
                )
            else:
                self.connection = http.client.HTTPConnection(netloc, timeout=timeout)
            self.address = (scheme, netloc)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context (loading the CA store costs milliseconds): a site whose
    certificate does not verify is left to the crawl, which fetches it as it always did."""
    return ssl.create_default_context()


def not_modified(source: CrawlSource) -> SourceStatus:
    """The status record the crawl's spider sends for a 304 (`SourceSpider.parse`)."""
    return source_status(
        {"source_id": source["id"], "run_id": source.get("run_id"), "http_status": 304,
         "fatal": True, "kind": source.get("kind")}
    )  # fmt: skip


__all__ = ["Politeness", "Revalidation", "not_modified", "revalidate"]
