"""News pages: a listing page -> the article pages it links to."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response

from crawler.extract.page import extract_article, listing_links
from crawler.records import CrawlSource
from crawler.spiders.base import SourceSpider, body_text

DEFAULT_MAX_ARTICLES = 30


class PagesSpider(SourceSpider):
    name = "pages"
    source_kind = "page"

    def parse_source(self, response: Response, source: CrawlSource) -> Iterator[Any]:
        options = source.get("options") or {}
        sel = Selector(text=body_text(response), base_url=response.url)
        limit = int(options.get("max_articles", DEFAULT_MAX_ARTICLES))
        links = listing_links(sel, response.url, options, limit=limit)
        for url in links:
            # de-duplicated per source (crawler.fingerprint): another source may link it too
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.page_failed,
                meta={"kil_source": source},
            )
        error = None if links else "no article links found on the listing page"
        yield self.status_item(source, http_status=response.status, error=error)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        source = response.meta["kil_source"]
        sel = Selector(text=body_text(response), base_url=response.url)
        yield self.content_item(
            source, extract_article(sel, response.url, source.get("options") or {})
        )
