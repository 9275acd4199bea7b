"""robots.txt as RFC 9309 §2.3.1 says: a 4xx answer means no rules (allow all), a 5xx
answer means the site is unavailable (disallow all), not "no rules" as Scrapy assumes when
it parses the error page's body.

A source whose site answers 5xx for robots.txt is recorded as failed with
"robots.txt unavailable (500): not crawled" and is tried again at its next crawl.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


class Unavailable:
    """The parser for a site whose robots.txt answered 5xx: nothing is allowed."""

    def __init__(self, status: int) -> None:
        self.status = status

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's answers to 4xx and 5xx."""

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
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp: object, request: Request) -> None:
        if isinstance(rp, Unavailable):
            self._stats.inc_value("robotstxt/unavailable")
            raise IgnoreRequest(f"robots.txt unavailable ({rp.status}): not crawled")
        super().process_request_2(rp, request)  # type: ignore[arg-type]
