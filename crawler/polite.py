"""Scrapy settings derived from kil-feed's `[crawl]` settings (used by the launcher)."""

from __future__ import annotations

from typing import Any

from kil_feed.config import Settings


def scrapy_overrides(settings: Settings) -> dict[str, Any]:
    """The Scrapy settings a crawl runs with, from the configured `[crawl]` section."""
    crawl = settings.crawl
    per_domain = max(1, crawl.concurrent_per_domain)
    return {
        "USER_AGENT": crawl.user_agent.replace("{contact_url}", crawl.contact_url),
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": max(crawl.concurrent_requests, per_domain),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 0.1),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(per_domain),
        "DOWNLOAD_TIMEOUT": min(max(1, crawl.download_timeout), 30),
        "DOWNLOAD_MAXSIZE": min(crawl.max_response_bytes, 15 * 1024 * 1024),
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "KIL_ALLOW_PRIVATE_NETWORKS": settings.allow_private_networks,
        "LOG_LEVEL": crawl.log_level,
        "KIL_STORE_BATCH_SIZE": crawl.store_batch_size,
        "KIL_TOPICS_FILE": str(crawl.topics_file or ""),
    }
