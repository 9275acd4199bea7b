"""What a crawl process is given: its Scrapy settings, its share of the sources."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import crawler.settings as project
from crawler.records import CrawlSource
from kil_feed.config import CrawlSettings, Settings
from kil_feed.ingest.scrapy_settings import (
    MAX_AUTO_PROCESSES,
    SOURCES_PER_PROCESS,
    crawl_processes,
    scrapy_settings,
)
from kil_feed.ingest.sources import split_by_host


def _source(n: int, host: str) -> CrawlSource:
    return CrawlSource(
        id=n, name=f"s{n}", kind="feed", url=f"http://{host}/feed{n}.xml", options={},
        topics=[], regions=[], etag=None, last_modified=None, run_id=n,
    )  # fmt: skip


def test_scrapy_settings_carry_no_secret_and_no_database() -> None:
    settings = Settings(secret_key="s3cret-value-" * 4, database_url="sqlite:///secret-place.db")
    text = repr(scrapy_settings(settings, close_after=60))
    assert "s3cret-value" not in text and "secret-place" not in text
    assert scrapy_settings(settings, close_after=60)["CLOSESPIDER_TIMEOUT"] == 60


def test_by_hand_politeness_is_the_settings_defaults() -> None:
    """`scrapy crawl` by hand (crawler/settings.py) is as polite as a default `kil crawl`."""
    mapped = scrapy_settings(Settings())
    shared = [k for k in mapped if hasattr(project, k)]
    assert {"ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT", "DOWNLOAD_MAXSIZE"} <= set(
        shared
    )
    assert {k: getattr(project, k) for k in shared} == {k: mapped[k] for k in shared}


def test_crawl_limits_are_settings_constraints_not_silent_caps() -> None:
    assert scrapy_settings(Settings(crawl=CrawlSettings(download_timeout=120)))[
        "DOWNLOAD_TIMEOUT"
    ] == 120  # fmt: skip
    for bad in ({"download_timeout": 0}, {"download_timeout": 3601}, {"processes": -1},
                {"max_response_bytes": 100}, {"store_batch_size": 0}):  # fmt: skip
        with pytest.raises(ValidationError):
            CrawlSettings(**bad)


def test_processes_default_to_the_cpus_capped() -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    assert crawl_processes(Settings()) == max(1, min(cpus, MAX_AUTO_PROCESSES))
    assert crawl_processes(Settings(crawl=CrawlSettings(processes=3))) == 3


def test_a_small_crawl_starts_fewer_processes() -> None:
    """A process per SOURCES_PER_PROCESS sources, up to the CPUs; a configured count holds."""
    import os

    auto = max(1, min(len(os.sched_getaffinity(0)), MAX_AUTO_PROCESSES))
    assert crawl_processes(Settings(), 1) == 1
    assert crawl_processes(Settings(), SOURCES_PER_PROCESS) == 1
    assert crawl_processes(Settings(), SOURCES_PER_PROCESS + 1) == min(2, auto)
    assert crawl_processes(Settings(), 1000) == auto
    assert crawl_processes(Settings(crawl=CrawlSettings(processes=3)), 1) == 3


def test_one_hosts_sources_stay_in_one_share() -> None:
    sources = [_source(n, host) for n, host in enumerate("aaaabbcdd")]
    shares = split_by_host(sources, 3)
    assert len(shares) == 3
    hosts = [{s["url"].split("/")[2] for s in share} for share in shares]
    assert all(
        len(set.intersection(a, b)) == 0 for i, a in enumerate(hosts) for b in hosts[i + 1 :]
    )
    assert sorted(s["id"] for share in shares for s in share) == list(range(9))
    assert sorted(len(share) for share in shares) == [2, 3, 4]  # a: 4; b+c: 3; d: 2
    assert split_by_host(sources[:4], 8) == [sources[:4]]  # one host: one process
