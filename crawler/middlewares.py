"""Downloader middleware: refuse requests to private/loopback addresses.

Every request passes here, including each redirect hop (the redirect middleware schedules a
new request), so a public source cannot redirect the crawler into the local network.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.netguard import BlockedURL, check_url

logger = logging.getLogger(__name__)


class PrivateNetworkMiddleware:
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateNetworkMiddleware:
        return cls(crawler.settings.getbool("KIL_ALLOW_PRIVATE_NETWORKS"))

    def process_request(self, request: Request, spider: Spider | None = None) -> Any:
        try:
            check_url(request.url, allow_private=self.allow_private)
        except BlockedURL as exc:
            logger.warning("refused url=%s reason=%s", request.url, exc)
            raise IgnoreRequest(f"refused: {exc}") from None
        return None
