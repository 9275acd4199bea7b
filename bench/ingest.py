"""Ingestion benchmark: `kil crawl`, the whole command, on feeds made of real corpus entries.

300 feeds x 50 entries (real entries from the corpus, fresh links) are served from 250
loopback hosts (127.0.0.x, one uvicorn process). `kil crawl` runs as a user runs it, on the
default settings except politeness (no download delay, no AutoThrottle, 8 requests per
domain) and the private-network guard (loopback is private), into a fresh SQLite file.
The in-run baseline is bare `feedparser.parse` over the very same bytes in this process.
A second `kil crawl`, where every feed answers 304, is timed as a share of the first; then
the same 304 pass as the scheduler's crawl job runs it (`run_crawl` in a process that has
already imported it), which shows what of the command's time is its start-up; and the
start-up floor: a process that only loads the settings and reads the database with
SQLAlchemy, the least any whole-command 304 pass can take with this storage layer.

    .venv/bin/python bench/ingest.py [--feeds 300] [--entries 50] [--hosts 250]
    .venv/bin/python bench/ingest.py --feeds 1000 --entries 50    # 50,000 items: memory

Targets: whole crawl within 1.2x of bare feedparser's wall time; the 304 pass under 5%;
every process under 300 MB at 50,000 items. Prints wall and CPU time, and the peak memory
and CPU time of every process (launcher, crawl processes) of both crawls.
"""

from __future__ import annotations

import argparse
import email.utils
import html
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

from bench.feedserver import FeedHosts  # noqa: E402

MEMORY_TARGET = 300e6  # bytes, for every process of a crawl of 50,000 items
CORPUS = Path(os.environ.get("KIL_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


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


class TreeUsage:
    """Peak resident memory (VmHWM) and CPU time of each process below `root`, from /proc.

    (getrusage gives only the largest child's peak, and a forked child starts out with its
    parent's; here every process is an exec'd `kil` or `scrapy crawl`.) Sampled every 0.1 s,
    so the CPU of a process is what it had used at its last sample: a lower bound.
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, root: int) -> None:
        self.root = root
        self.usage: dict[int, tuple[str, int, float]] = {}  # pid -> (label, KiB, CPU s)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while not self.stop_event.wait(0.1):
            stats: dict[int, list[str]] = {}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    stats[int(pid)] = (
                        Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    )
                except OSError:
                    continue
            parents = {pid: int(fields[1]) for pid, fields in stats.items()}
            for pid, fields in stats.items():
                if not self._below_root(pid, parents):
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                label = " ".join(Path(a.decode(errors="replace")).name for a in argv[:5] if a)
                cpu = (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        kib = max(int(line.split()[1]), self.usage.get(pid, ("", 0, 0.0))[1])
                        self.usage[pid] = (label, kib, cpu)

    def _below_root(self, pid: int, parents: dict[int, int]) -> bool:
        while pid > 1:
            if pid == self.root:
                return True
            pid = parents.get(pid, 0)
        return False

    def stop(self) -> list[tuple[str, float, float]]:
        """(label, peak MiB, CPU s) of every process seen, the largest peak first."""
        self.stop_event.set()
        self.thread.join()
        rows = [(label, kib / 1024, cpu) for label, kib, cpu in self.usage.values()]
        return sorted(rows, key=lambda row: -row[1])


def _own_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_cpu() -> float:
    """CPU seconds of the finished child processes (the `kil` runs a benchmark times)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kil_command() -> list[str]:
    """The `kil` command of this interpreter's environment (its script, else `-m`)."""
    script = Path(sys.executable).with_name("kil")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kil_feed.cli"]


def timed_crawl(
    env: dict[str, str], cwd: Path
) -> tuple[float, float, list[dict], list[tuple[str, float, float]]]:
    """Run `kil crawl --json`: wall s, CPU s of it and its processes, rows, their usage."""
    started, cpu = time.perf_counter(), children_cpu()
    process = subprocess.Popen(
        [*kil_command(), "crawl", "--json"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    usage = TreeUsage(process.pid)
    out, err = process.communicate()
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    peaks = usage.stop()
    if process.returncode != 0:
        raise SystemExit(f"kil crawl failed ({process.returncode}): {err.decode()[-2000:]}")
    return wall, cpu, json.loads(out), peaks


IN_PROCESS = """
import json, sys, time
from kil_feed.config import load_settings
from kil_feed.ingest.run import run_crawl
settings = load_settings()
started, cpu = time.perf_counter(), time.process_time()
summaries = run_crawl(settings)
print(json.dumps([time.perf_counter() - started, time.process_time() - cpu,
                  sum(1 for s in summaries if s.http_status == 304), len(summaries)]))
"""


def in_process_crawl(env: dict[str, str], cwd: Path) -> tuple[float, float, int, int]:
    """`run_crawl` timed inside a process that has imported it: wall s, CPU s of that
    process, sources that answered 304, sources."""
    out = subprocess.run(
        [sys.executable, "-c", IN_PROCESS], env=env, cwd=cwd, check=True, capture_output=True
    ).stdout
    wall, cpu, not_modified, total = json.loads(out.splitlines()[-1])
    return wall, cpu, not_modified, total


FLOOR = """
import sqlalchemy as sa
from kil_feed.config import load_settings
engine = sa.create_engine(load_settings().database_url)  # SQLAlchemy Core only
with engine.connect() as connection:
    connection.execute(sa.text("SELECT count(*) FROM source")).scalar_one()
"""


def start_up_floor(env: dict[str, str], cwd: Path, runs: int = 7) -> float:
    """Median wall time of a process that only loads the settings and reads the database
    with SQLAlchemy Core (not its ORM, SQLModel or the models), as any `kil crawl` must
    before it can record a 304: less than a whole-command 304 pass can take with this
    storage layer."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR], env=env, cwd=cwd, check=True)
        times.append(time.perf_counter() - started)
    return sorted(times)[runs // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=250)
    parser.add_argument(
        "--profile", metavar="PREFIX", help="cProfile each crawl process to PREFIX-*.prof"
    )
    args = parser.parse_args()

    pool = corpus_entries()
    rng = random.Random(42)
    feeds = [make_feed(n, rng.sample(pool, args.entries)) for n in range(args.feeds)]
    total_entries = args.feeds * args.entries
    size_mb = sum(map(len, feeds)) / 1e6
    print(f"corpus entries: {len(pool)}; generated {args.feeds} feeds x {args.entries} entries "
          f"({size_mb:.1f} MB) on {args.hosts} loopback hosts")  # fmt: skip

    started, cpu_started = time.perf_counter(), time.process_time()
    parsed_entries = sum(len(feedparser.parse(body).entries) for body in feeds)
    bare = time.perf_counter() - started
    bare_cpu = time.process_time() - cpu_started
    print(f"bare feedparser.parse: {bare:.2f} s ({parsed_entries} entries, "
          f"{parsed_entries / bare:,.0f} entries/s), CPU {bare_cpu:.2f} s")  # fmt: skip

    server = FeedHosts(args.hosts)
    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-"))
    lines = []
    for number, body in enumerate(feeds):
        url = server.add(number, f"/feeds/{number}.rss", body)
        lines.append(f'[[sources]]\nname = "bench-{number:04d}"\nurl = "{url}"\nkind = "feed"\n')
    (tmp / "sources.toml").write_text("\n".join(lines))
    server.start()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("KIL_")
    }  # fmt: skip
    env.update(
        KIL_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        KIL_ALLOW_PRIVATE_NETWORKS="true",
        KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false",
        KIL_CRAWL__CONCURRENT_PER_DOMAIN="8",
    )
    if args.profile:
        env["KIL_CRAWL_PROFILE"] = str(Path(args.profile).resolve())
    for command in (["db", "upgrade"], ["sources", "import", "sources.toml"]):
        subprocess.run(
            [*kil_command(), *command], env=env, cwd=tmp, check=True, capture_output=True
        )

    crawl, crawl_cpu, first, peaks = timed_crawl(env, tmp)
    load = os.getloadavg()
    again, again_cpu, second, again_peaks = timed_crawl(env, tmp)
    inside, inside_cpu, inside_304, inside_total = in_process_crawl(env, tmp)
    floor = start_up_floor(env, tmp)
    server.stop()

    new = sum(row["new"] for row in first)
    errors = [row for row in first if row["errors"]]
    not_modified = sum(1 for row in second if row["http"] == 304)
    print(f"kil crawl (fetch, parse, normalise, classify, dedupe, store; whole command): "
          f"{crawl:.2f} s, {new} new items of {total_entries}, {len(errors)} sources with "
          f"errors")  # fmt: skip
    print(f"ratio kil crawl / bare feedparser: {crawl / bare:.2f}x wall (target <= 1.2x)")
    print(f"CPU: kil crawl and its crawl processes {crawl_cpu:.2f} s vs bare feedparser "
          f"{bare_cpu:.2f} s = {crawl_cpu / bare_cpu:.2f}x")  # fmt: skip
    print(f"items per second: {new / crawl:,.0f}")
    for label, mib, cpu in peaks:
        print(f"peak memory: {mib:6.0f} MiB, CPU >= {cpu:5.2f} s  {label}")
    over = [label for label, mib, _ in peaks if mib * 2**20 > MEMORY_TARGET]
    print(
        f"every process under {MEMORY_TARGET / 1e6:.0f} MB: {'no: ' + str(over) if over else 'yes'}"
    )
    print(f"peak memory: {_own_peak_mib():6.0f} MiB  this bench process (the generated feeds)")
    print(f"load average after the first crawl: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} CPUs here)")  # fmt: skip
    print(f"second kil crawl (all 304): {again:.2f} s, {not_modified} of {len(second)} not "
          f"modified, {again / crawl:.1%} of the first (target < 5%); "
          f"CPU {again_cpu:.2f} s in {len(again_peaks)} processes")  # fmt: skip
    for label, mib, cpu in again_peaks:
        print(f"  304 pass: {mib:6.0f} MiB, CPU >= {cpu:5.2f} s  {label}")
    print(f"the same 304 pass in a running process (the scheduler's crawl job, imports done): "
          f"{inside:.2f} s, {inside_304} of {inside_total} not modified, {inside / crawl:.1%} "
          f"of the first; CPU {inside_cpu:.2f} s")  # fmt: skip
    print(f"start-up floor (load the settings, open the database with SQLAlchemy, one SELECT; "
          f"median of 7): {floor:.2f} s, {floor / crawl:.1%} of the first crawl")  # fmt: skip
    if errors:
        print("first errors:", [(row["source"], row["errors"]) for row in errors[:3]])


if __name__ == "__main__":
    main()
