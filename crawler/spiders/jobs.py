"""Job postings (schema.org JobPosting) from a listing page, a sitemap, a job feed or JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

from crawler.extract.advert import advert_from_html
from crawler.extract.advert_links import job_links
from crawler.extract.feed import parse_feed_response
from crawler.extract.jobs import jobs_from_html, jobs_from_json
from crawler.extract.page import listing_links
from crawler.records import CrawlSource
from crawler.spiders.base import SourceSpider, body_text, sniff

DEFAULT_MAX_JOBS = 50


class JobsSpider(SourceSpider):
    name = "jobs"
    source_kind = "jobs"

    def parse_source(self, response: Response, source: CrawlSource) -> Iterator[Any]:
        options = source.get("options") or {}
        mode = str(options.get("mode") or sniff(response))
        found = 0
        if mode == "json":
            for job in jobs_from_json(response.body, response.url):
                found += 1
                yield self.content_item(source, job)
        elif mode == "sitemap":
            sitemap = Sitemap(response.body)
            for url in self._sitemap_links(sitemap, options):
                found += 1
                if sitemap.type == "sitemapindex":  # a sitemap of sitemaps: read each one
                    yield scrapy.Request(
                        url, callback=self.parse, errback=self.page_failed,
                        meta={"kil_source": source},
                    )  # fmt: skip
                else:
                    yield self._job_request(url, source)
        elif mode == "feed":
            parsed = parse_feed_response(response, jobs=True)
            for entry in parsed.entries:
                found += 1
                if options.get("follow") and entry.get("url"):
                    yield self._job_request(entry["url"], source)
                else:
                    yield self.content_item(source, {**entry, "kind": "job"})
            if not found and parsed.problem:
                yield self.status_item(
                    source,
                    http_status=response.status,
                    error=f"unreadable job feed: {parsed.problem}",
                )
                return
        else:
            text = body_text(response)
            for job in jobs_from_html(text, response.url):
                found += 1
                yield self.content_item(source, job)
            advert = None if found else advert_from_html(text, response.url)
            if advert is not None:
                found += 1
                yield self.content_item(source, advert)
            elif not found:
                for url in self._listing(text, response.url, options):
                    found += 1
                    yield self._job_request(url, source)
        error = None if found else "no job postings or job links found"
        yield self.status_item(source, http_status=response.status, error=error, response=response)

    def parse_job(self, response: Response) -> Iterator[dict[str, Any]]:
        source = response.meta["kil_source"]
        if sniff(response) == "json":
            jobs = jobs_from_json(response.body, response.url)
        else:
            jobs = jobs_from_html(body_text(response), response.url)
        if not jobs and (advert := advert_from_html(body_text(response), response.url)):
            jobs = [advert]
        if not jobs:
            yield self.status_item(
                source, http_status=response.status, error=f"{response.url}: not a job advert",
                fatal=False, page_url=response.url,
            )  # fmt: skip
        for job in jobs:
            yield self.content_item(source, job)

    def _listing(self, text: str, url: str, options: dict[str, Any]) -> list[str]:
        """Advert links: the source's selector or pattern, else links that read like job
        titles (`crawler.extract.advert_links`)."""
        sel = Selector(text=text, base_url=url)
        limit = int(options.get("max_articles", DEFAULT_MAX_JOBS))
        if any(options.get(k) for k in ("link_selector", "link_xpath", "follow_pattern")):
            return listing_links(sel, url, options, limit=limit)
        return job_links(sel, url, limit=limit)

    def _job_request(self, url: str, source: CrawlSource) -> scrapy.Request:
        # de-duplicated per source (crawler.fingerprint): another source may list it too
        return scrapy.Request(
            url, callback=self.parse_job, errback=self.page_failed, meta={"kil_source": source},
        )  # fmt: skip

    def _sitemap_links(self, sitemap: Sitemap, options: dict[str, Any]) -> list[str]:
        pattern = options.get("follow_pattern")
        regex = re.compile(str(pattern)) if pattern and sitemap.type != "sitemapindex" else None
        limit = int(options.get("max_articles", DEFAULT_MAX_JOBS))
        links = []
        for entry in sitemap:
            loc = entry.get("loc", "")
            if loc and (regex is None or regex.search(loc)):
                links.append(loc)
            if len(links) >= limit:
                break
        return links
