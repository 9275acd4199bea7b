"""Request fingerprints that include the source, so Scrapy's duplicate filter works per source.

The natural key of an item is source + canonical URL. Two sources of one crawl may link the
same page (a syndicated story, a job on a listing and in a sitemap): each must get it, so the
source id is part of the fingerprint. Within one source a page linked twice (also with
tracking parameters such as `utm_*`) is fetched once.
"""

from __future__ import annotations

import hashlib
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.utils.request import fingerprint

from crawler.normal import canonical_url


class SourceRequestFingerprinter:
    """Scrapy's default fingerprint of the request at its canonical URL, plus its source id."""

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourceRequestFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        cached = self._cache.get(request)
        if cached is not None:
            return cached
        source = request.meta.get("kil_source")
        if source is None:  # robots.txt and anything else outside a source
            value = fingerprint(request)
        else:
            url = canonical_url(request.url) or request.url
            base = fingerprint(request.replace(url=url) if url != request.url else request)
            value = hashlib.sha1(base + b"|source=" + str(source.get("id")).encode()).digest()
        self._cache[request] = value
        return value
