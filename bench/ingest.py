"""Ingestion benchmark: 1,000 feeds x 50 entries from real corpus entries, served on loopback.

Times the whole crawl (`kil_feed.ingest.run_crawl`: fetch, parse, normalise, classify,
dedupe, store into a fresh SQLite file) against bare `feedparser.parse` over the very same
bytes in this process, then a second crawl where every feed answers 304.

    .venv/bin/python bench/ingest.py [--feeds 1000] [--entries 50] [--processes 2]

Targets: whole crawl within 1.5x of bare feedparser; the 304 pass under 5% of the first.
"""

from __future__ import annotations

import argparse
import email.utils
import html
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

CORPUS = Path(os.environ.get("KIL_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")


def corpus_entries() -> list[dict[str, str]]:
    """Real entries (title, link, description, date) from every corpus feed that parses."""
    entries = []
    for folder in ("feeds", "feeds_nasty"):
        for path in sorted((CORPUS / folder).iterdir()):
            parsed = feedparser.parse(path.read_bytes())
            for entry in parsed.entries:
                title, link = entry.get("title"), entry.get("link")
                if not title or not link:
                    continue
                description = entry.get("summary") or ""
                contents = entry.get("content") or []
                if contents:
                    description = contents[0].get("value") or description
                entries.append(
                    {
                        "title": title,
                        "link": link,
                        "description": description[:20000],
                        "date": entry.get("published") or entry.get("updated") or "",
                    }
                )
    return entries


def make_feed(number: int, entries: list[dict[str, str]]) -> bytes:
    items = []
    for index, entry in enumerate(entries):
        link = f"https://source{number}.example/{index}/{abs(hash(entry['link'])) % 10**8}"
        date = entry["date"] or email.utils.formatdate(1_760_000_000 - index * 3600, usegmt=True)
        items.append(
            f"<item><title>{html.escape(entry['title'])} ({number}-{index})</title>"
            f"<link>{html.escape(link)}</link><guid>{html.escape(link)}</guid>"
            f"<pubDate>{html.escape(date)}</pubDate>"
            f"<description>{html.escape(entry['description'])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench source {number}</title><link>https://source{number}.example/</link>"
        f"<description>generated from real corpus entries</description>{''.join(items)}"
        "</channel></rss>"
    ).encode()


class FeedServer:
    """The loopback HTTP server the tests use (ETag/Last-Modified, 304) in its own process."""

    def __init__(self, feeds: list[bytes]) -> None:
        context = multiprocessing.get_context("fork")  # the child inherits the feed bytes
        ports: Any = context.Queue()
        self.stop_event = context.Event()
        self.process = context.Process(
            target=self._serve, args=(feeds, ports, self.stop_event), daemon=True
        )
        self.process.start()
        self.base_url = f"http://127.0.0.1:{ports.get(timeout=60)}"

    @staticmethod
    def _serve(feeds: list[bytes], ports: Any, stop_event: Any) -> None:
        from kil_feed.loopback import MockServer  # its listen backlog takes 64+ clients

        server = MockServer().start()
        for number, body in enumerate(feeds):
            server.add(f"/feeds/{number}.rss", body, "application/rss+xml")
        ports.put(server.port)
        stop_event.wait()
        server.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(10)


class CrawlMemory:
    """Peak resident memory (VmHWM) of the crawl processes, sampled from /proc while they run.

    (getrusage's figure for children is not usable here: a forked child starts out with the
    bench process's own peak.)
    """

    def __init__(self) -> None:
        self.peak_kib = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.stop_event.wait(0.2):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"scrapy\x00crawl" not in cmdline:
                        continue
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def stop(self) -> float:
        self.stop_event.set()
        self.thread.join()
        return self.peak_kib / 1024


def _own_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    pool = corpus_entries()
    rng = random.Random(42)
    feeds = [make_feed(n, rng.sample(pool, args.entries)) for n in range(args.feeds)]
    total_entries = args.feeds * args.entries
    size_mb = sum(map(len, feeds)) / 1e6
    print(f"corpus entries: {len(pool)}; generated {args.feeds} feeds x {args.entries} entries "
          f"({size_mb:.1f} MB)")  # fmt: skip

    started, cpu_started = time.perf_counter(), time.process_time()
    parsed_entries = sum(len(feedparser.parse(body).entries) for body in feeds)
    bare = time.perf_counter() - started
    bare_cpu = time.process_time() - cpu_started
    print(f"bare feedparser.parse: {bare:.2f} s ({parsed_entries} entries, "
          f"{parsed_entries / bare:,.0f} entries/s), CPU {bare_cpu:.2f} s")  # fmt: skip

    # the loopback server runs in a process of its own, as a real site would: its threads
    # must not compete for this process's GIL with the launcher, which records the items
    server = FeedServer(feeds)
    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-"))
    os.environ.update(
        KIL_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        KIL_ALLOW_PRIVATE_NETWORKS="true",
        KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false",
        KIL_CRAWL__CONCURRENT_PER_DOMAIN="32",
        KIL_CRAWL__CONCURRENT_REQUESTS="32",
        KIL_CRAWL__PROCESSES=str(args.processes),
        KIL_CRAWL__STORE_BATCH_SIZE="2000",
        KIL_CRAWL__LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, write_session
    from kil_feed.ingest.run import run_crawl
    from kil_feed.migrate import upgrade
    from kil_feed.storage.sources import upsert_source

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    with write_session(engine) as session:
        for number in range(len(feeds)):
            url = f"{server.base_url}/feeds/{number}.rss"
            upsert_source(f"bench-{number:04d}", session=session, url=url, kind="feed")

    memory = CrawlMemory()
    started, children, own = time.perf_counter(), _children_cpu(), time.process_time()
    first = run_crawl(settings, time_limit=1800)
    crawl = time.perf_counter() - started
    crawl_cpu = _children_cpu() - children
    launcher_cpu = time.process_time() - own  # the launcher, which records the items
    peak_child = memory.stop()  # the crawl that stores items; the sampler stays out of the 304 pass
    new = sum(s.new for s in first)
    errors = [s for s in first if s.error]
    started, children, own = time.perf_counter(), _children_cpu(), time.process_time()
    second = run_crawl(settings, time_limit=600)
    again = time.perf_counter() - started
    again_cpu = _children_cpu() - children + time.process_time() - own
    not_modified = sum(1 for s in second if s.http_status == 304)
    peak_self = _own_peak_mib()
    server.stop()
    engine.dispose()

    print(f"whole crawl (fetch, parse, normalise, classify, dedupe, store): {crawl:.2f} s, "
          f"{new} new items of {total_entries}, {len(errors)} sources with errors, "
          f"{args.processes} crawl process(es)")  # fmt: skip
    print(f"ratio crawl / bare feedparser: {crawl / bare:.2f}x wall (target <= 1.5x)")
    total_cpu = crawl_cpu + launcher_cpu
    print(
        f"CPU: crawl processes {crawl_cpu:.2f} s + launcher (recording) {launcher_cpu:.2f} s = "
        f"{total_cpu:.2f} s vs bare feedparser {bare_cpu:.2f} s = {total_cpu / bare_cpu:.2f}x "
        f"(wall time on a shared machine is noisy; CPU is not)"
    )
    print(f"items per second: {new / crawl:,.0f}")
    print(f"peak memory: largest crawl process (first crawl) {peak_child:.0f} MiB; bench process "
          f"(launcher and recorder, plus the generated feeds) {peak_self:.0f} MiB")  # fmt: skip
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores here)")
    print(f"second crawl (all 304): {again:.2f} s, {not_modified} not modified, "
          f"{again / crawl:.1%} of the first (target < 5%); "
          f"CPU {again_cpu:.2f} s (crawl processes and launcher)")  # fmt: skip
    if errors:
        print("first errors:", [(s.name, s.error) for s in errors[:3]])


if __name__ == "__main__":
    main()
