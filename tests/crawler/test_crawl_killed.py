"""A crawl killed part-way (`kill -9` of `kil crawl`) keeps every batch it had written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.support.crawl import add_source, count_items, crawl

FEEDS, ENTRIES = 40, 250
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}
</channel></rss>"""
ITEM = (
    "<item><title>Council procurement story {s} {n}</title><link>{base}/s{s}/{n}</link>"
    "<description>Commissioning and insourcing at the council, part {n}.</description></item>"
)


def _wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout:g}s: {what}")
        time.sleep(0.05)


def _kill_9_of_kil_crawl_once(predicate, what: str) -> list[psutil.Process]:  # type: ignore[no-untyped-def]
    """Start `kil crawl`, `kill -9` it once `predicate()` holds: its crawl processes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kil_feed", "crawl", "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(predicate, 60, what)
        crawlers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return crawlers


@pytest.mark.slow
def test_kill_9_of_kil_crawl_keeps_what_was_recorded_and_the_rerun_skips_it(
    http_server, crawl_settings, crawl_engine
):  # type: ignore[no-untyped-def]
    base = http_server.base_url
    for s in range(FEEDS):
        body = FEED.format(items="".join(ITEM.format(s=s, n=n, base=base) for n in range(ENTRIES)))
        add_source(
            crawl_engine,
            f"feed-{s:02d}",
            http_server.add(f"/f{s}.xml", body, "application/rss+xml"),
        )
    add_source(crawl_engine, "stuck", http_server.url("/hang"))  # the crawl cannot end early
    crawlers = _kill_9_of_kil_crawl_once(
        lambda: count_items(crawl_engine) > 0, "the crawl stored a first batch"
    )
    kept = count_items(crawl_engine)
    assert 0 < kept < FEEDS * ENTRIES
    # its crawl processes notice the closed pipe and stop (none lingers on)
    _, alive = psutil.wait_procs(crawlers, timeout=30)
    assert not alive, [p.pid for p in alive]
    assert count_items(crawl_engine) == kept  # nothing was half-written

    with_feeds = [f"feed-{s:02d}" for s in range(FEEDS)]
    # the rerun still has about 10,000 items to store: on a busy machine that takes minutes,
    # so the crawl's time limit (90 s in `crawl`) must not be what ends it
    results = crawl(crawl_settings, with_feeds, time_limit=240)
    assert all(r.error is None for r in results.values()), results
    assert sum(r.new for r in results.values()) == FEEDS * ENTRIES - kept
    assert count_items(crawl_engine) == FEEDS * ENTRIES


def test_crawl_processes_of_a_killed_kil_crawl_stop_though_waiting_on_a_hanging_site(
    http_server, crawl_settings, crawl_engine, monkeypatch
):  # type: ignore[no-untyped-def]
    """A crawl process with nothing to send still notices that its launcher died: it does
    not go on fetching, orphaned, until its download timeout (60 s here)."""
    monkeypatch.setenv("KIL_CRAWL__DOWNLOAD_TIMEOUT", "60")
    add_source(crawl_engine, "stuck", http_server.url("/hang"))
    crawlers = _kill_9_of_kil_crawl_once(
        lambda: http_server.requests_to("/hang"), "the crawl asked the stuck site"
    )
    assert crawlers
    _, alive = psutil.wait_procs(crawlers, timeout=30)
    assert not alive, [p.pid for p in alive]
