"""Downloader middlewares: refuse requests to private/loopback addresses; read a body
that is a gzip file.

Every request passes the first, including each redirect hop (the redirect middleware
schedules a new request), so a public source cannot redirect the crawler into the local
network.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

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


GZIP_TYPES = {"application/gzip", "application/x-gzip", "application/x-gunzip"}


class GzipBodyMiddleware:
    """A body that is itself a gzip file, sent without Content-Encoding (a `.json.gz` or
    `.xml.gz` download, a feed stored compressed): gunzipped, as Scrapy's SitemapSpider
    does for sitemaps, within DOWNLOAD_MAXSIZE. The spiders then read the document, not
    its compressed bytes ("not a feed", "malformed JSON"). Runs after Scrapy's
    HttpCompressionMiddleware (590) has undone any Content-Encoding."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GzipBodyMiddleware:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        from scrapy.utils.gz import gunzip, gzip_magic_number

        if not gzip_magic_number(response):
            return response
        limit = int(request.meta.get("download_maxsize", self.max_size))
        try:
            body = gunzip(response.body, max_size=limit)
        except ValueError:  # Scrapy's "decompressed past the maximum"
            raise IgnoreRequest(
                f"larger than the download limit ({limit} bytes) once gunzipped"
            ) from None
        except (OSError, EOFError):  # gzip's magic number, but no gzip file behind it
            return response
        from scrapy.responsetypes import responsetypes

        headers = response.headers.copy()
        ctype = (headers.get("Content-Type") or b"").decode("latin-1").split(";")[0]
        if ctype.strip().lower() in GZIP_TYPES:
            del headers["Content-Type"]  # the type of the wrapper, not of the document
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
        return response.replace(cls=cls, body=body, headers=headers)
