"""robots.txt as RFC 9309 §2.3.1 says: a 4xx answer means no rules (allow all), a 5xx
answer means the site is unavailable (disallow all), not "no rules" as Scrapy assumes when
it parses the error page's body.

A source whose site answers 5xx for robots.txt is recorded as failed with
"robots.txt unavailable (500): not crawled" and is tried again at its next crawl.

RFC 9309 §2.4 lets a crawler reuse a robots.txt for up to 24 hours: the launcher hands a
crawl the answers it kept (`KIL_ROBOTS_CACHE`, a JSON list of `RobotsAnswer`), which are
used instead of fetching again, and every answer fetched here (2xx-4xx: a 5xx is never
kept) is sent to it (the `robots_fetched` signal, which the store pipeline sends on).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import decode_robotstxt
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.records import ROBOTS_CACHE_SETTING, RobotsAnswer

MAX_KEPT_CHARS = 512_000  # RFC 9309 §2.5: parse at least the first 500 KiB
robots_fetched = object()  # signal: answer=RobotsAnswer


class Unavailable:
    """The parser for a site whose robots.txt answered 5xx: nothing is allowed."""

    def __init__(self, status: int) -> None:
        self.status = status

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's answers to 4xx and 5xx, and answers
    kept from earlier crawls."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._cache_file = crawler.settings.get(ROBOTS_CACHE_SETTING) or None
        self._cached: dict[str, RobotsAnswer] | None = None  # read at the first request

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        if url.netloc not in self._parsers:
            kept = self._kept().pop(f"{url.scheme}://{url.netloc}", None)
            if kept is not None:
                self._stats.inc_value("robotstxt/cached")
                self._parsers[url.netloc] = self._parser(kept["status"], kept["body"].encode())
        return await super().robot_parser(request)

    def _kept(self) -> dict[str, RobotsAnswer]:
        if self._cached is None:
            answers: list[RobotsAnswer] = []
            if self._cache_file:
                answers = json.loads(Path(self._cache_file).read_text(encoding="utf-8"))
            self._cached = {a["origin"]: a for a in answers}
        return self._cached

    def _parser(self, status: int, body: bytes) -> Any:
        if status >= 500:
            return Unavailable(status)
        if status >= 400:  # "unavailable": no rules at all, whatever the body says
            body = b""
        return build_from_crawler(self._parserimpl, self.crawler, body)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/response_count")
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            waiting = self._parsers[netloc]
            parser = Unavailable(response.status)
            self._parsers[netloc] = parser  # type: ignore[assignment]
            waiting.callback(parser)  # type: ignore[union-attr]
            return
        if response.status >= 400:  # "unavailable": no rules at all, whatever the body says
            response = response.replace(body=b"")
        answer = RobotsAnswer(
            origin=f"{urlparse_cached(request).scheme}://{netloc}",
            status=response.status,
            body=decode_robotstxt(response.body, None)[:MAX_KEPT_CHARS],
            fetched_at=time.time(),
        )
        self.crawler.signals.send_catch_log(signal=robots_fetched, answer=answer)
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp: object, request: Request) -> None:
        if isinstance(rp, Unavailable):
            self._stats.inc_value("robotstxt/unavailable")
            raise IgnoreRequest(f"robots.txt unavailable ({rp.status}): not crawled")
        super().process_request_2(rp, request)  # type: ignore[arg-type]
