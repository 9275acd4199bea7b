"""A crawl's first step: ask the feeds that most likely did not change whether they did.

A 304 needs no crawl process: `crawler.revalidate` asks those feeds with conditional GETs
(`kil crawl`'s warm process has asked most of them already, `ingest.ahead`), and only what
changed, or was never asked, goes on to the crawl processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from crawler.records import CrawlSource, RobotsAnswer
from crawler.revalidate import host_of, not_modified, revalidate
from kil_feed.config import Settings
from kil_feed.ingest.deadline import Deadline
from kil_feed.ingest.policy import likely_unchanged, revalidation_budget
from kil_feed.ingest.recorder import CrawlRecorder
from kil_feed.ingest.scrapy_settings import politeness
from kil_feed.ingest.warm import WarmProcess

logger = logging.getLogger(__name__)
AHEAD_MARGIN = 2.0  # seconds past its budget for the warm process's answers


def revalidate_first(
    settings: Settings,
    sources: list[CrawlSource],
    robots: Callable[[], list[RobotsAnswer]],
    recorder: CrawlRecorder,
    deadline: Deadline,
    warm: WarmProcess | None,
) -> list[CrawlSource]:
    """Record the 304s of the feeds that most likely did not change, asked without a crawl
    process (`crawler.revalidate`); the sources left for the crawl processes. Those are
    started once the hosts asked here may be asked again (the download delay).

    An answer the warm process got ahead is taken for a source asked with the URL and
    validators prepared here; any other such source is asked here."""
    asked = [s for s in sources if likely_unchanged(s)]
    if not asked or not settings.crawl.revalidate_first:
        return sources
    started = time.monotonic()
    budget = revalidation_budget(deadline.close_spider_after())
    unchanged: set[int] = set()
    taken: set[int] = set()
    ready_at: dict[str, float] = {}
    ahead = warm.ahead(timeout=budget + AHEAD_MARGIN) if warm is not None else None
    if ahead is not None:
        taken = {s["id"] for s in asked if ahead.answered(s)}
        unchanged = ahead.answers.unchanged_ids & taken
        ready_at.update(ahead.answers.ready_at)
        asked = [s for s in asked if s["id"] not in taken]
    if asked:
        answers = revalidate(
            asked,
            politeness(settings),
            {answer["origin"]: answer for answer in robots()},
            budget=budget,
            stop=deadline.stop,
        )
        unchanged |= answers.unchanged_ids
        for host, at in answers.ready_at.items():
            ready_at[host] = max(at, ready_at.get(host, 0.0))
    recorder.take([("status", not_modified(s)) for s in sources if s["id"] in unchanged])
    logger.info(
        "revalidated sources=%d not_modified=%d ahead=%d seconds=%.2f",
        len(asked) + len(taken), len(unchanged), len(taken), time.monotonic() - started,
    )  # fmt: skip
    remaining = [s for s in sources if s["id"] not in unchanged]
    hosts = {host_of(s["url"]) for s in remaining}
    ready = max((ready_at.get(h, 0.0) for h in hosts), default=0.0)
    if ready > time.monotonic():
        deadline.stop.wait(ready - time.monotonic())
    return remaining
