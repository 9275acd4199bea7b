"""The one mapping of kil-feed's settings to the Scrapy settings of a crawl process.

Only what a crawl process needs travels (as `-s NAME=VALUE`): politeness, limits, its log
level, the topics file. No secret, no database URL: a crawl process never opens either.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from crawler.revalidate import Politeness
from kil_feed.config import Settings

MAX_AUTO_PROCESSES = 8
SOURCES_PER_PROCESS = 16  # a second process only pays for itself with more work


def scrapy_settings(settings: Settings, *, close_after: float | None = None) -> dict[str, Any]:
    """The Scrapy settings a crawl runs with; `close_after` seconds, the spider closes itself."""
    crawl = settings.crawl
    values: dict[str, Any] = {
        "USER_AGENT": crawl.user_agent.replace("{contact_url}", crawl.contact_url),
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": max(crawl.concurrent_requests, crawl.concurrent_per_domain),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 0.1),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_domain),
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_response_bytes,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "KIL_ALLOW_PRIVATE_NETWORKS": settings.allow_private_networks,
        "LOG_LEVEL": crawl.log_level,
        "KIL_TOPICS_FILE": str(crawl.topics_file or ""),
    }
    if close_after is not None:
        values["CLOSESPIDER_TIMEOUT"] = max(1, int(close_after))
    return values


def politeness(settings: Settings) -> Politeness:
    """The same politeness for the conditional GETs asked without Scrapy
    (`crawler.revalidate`): its delay is the one Scrapy starts each host with."""
    values = scrapy_settings(settings)
    delay = values["DOWNLOAD_DELAY"]
    if values["AUTOTHROTTLE_ENABLED"]:
        delay = max(delay, values["AUTOTHROTTLE_START_DELAY"])
    return Politeness(
        user_agent=values["USER_AGENT"],
        timeout=float(values["DOWNLOAD_TIMEOUT"]),
        delay=float(delay),
        concurrency=values["CONCURRENT_REQUESTS"],
        allow_private=values["KIL_ALLOW_PRIVATE_NETWORKS"],
        obey_robots=values["ROBOTSTXT_OBEY"],
    )


def command_line(values: dict[str, Any]) -> list[str]:
    """`-s NAME=VALUE` arguments for `scrapy crawl` (dicts as JSON, as Scrapy reads them)."""
    args: list[str] = []
    for key, value in values.items():
        text = json.dumps(value) if isinstance(value, dict) else str(value)
        args += ["-s", f"{key}={text}"]
    return args


def crawl_processes(settings: Settings, sources: float | None = None) -> int:
    """Crawl processes for `sources` sources of one kind (their work, `sources.crawl_work`:
    a source that will most likely answer 304 counts 1/25): as configured, or one per CPU
    (at most 8) and per SOURCES_PER_PROCESS sources. Each process costs ~0.45 s of CPU to
    start (Scrapy, Twisted): measured, a crawl of 10 feeds is faster in one process than in
    two, whether they answer with 50 entries each or all with 304, and so is a crawl of 300
    feeds that all answer 304."""
    configured = settings.crawl.processes
    if configured:
        return configured
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = max(1, min(cpus or 1, MAX_AUTO_PROCESSES))
    if sources is not None:
        wanted = min(wanted, max(1, math.ceil(sources / SOURCES_PER_PROCESS)))
    return wanted
