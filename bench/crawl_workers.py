"""Crawl throughput: the Redis backend's workers (1 and 2 crawl processes) against the
local backend, on the same feeds (real corpus entries on loopback hosts), same run.

Whole commands, as a user runs them, each mode on a fresh SQLite file. Local: `kil crawl`
(one crawl process), start to end. Redis: one `kil worker crawl --kind feed --processes N`
is started first and left to open its crawl processes (a worker is a long-running
service); the clock runs from `kil crawl` (which queues the sources and returns) until every
run is closed; CPU is that command's plus what the worker and its crawl processes used in
that time. Needs Redis (`[crawl] redis_url`, default
127.0.0.1:6379); keys under a prefix of this run, deleted at the end.

    .venv/bin/python bench/crawl_workers.py [--feeds 200] [--entries 50] [--hosts 250]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.feedserver import FeedHosts  # noqa: E402
from bench.ingest import children_cpu, corpus_entries, kil_command, make_feed  # noqa: E402


def _run(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run([*kil_command(), *args], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"kil {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def _closed_runs(database: Path) -> tuple[int, int]:
    """(closed runs, items) of a mode's database, read with sqlite3 (no engine here)."""
    import sqlite3

    with sqlite3.connect(database) as db:
        closed = db.execute("select count(*) from crawl_run where finished_at is not null")
        items = db.execute("select count(*) from item")
        return int(closed.fetchone()[0]), int(items.fetchone()[0])


def _tree_cpu(process: psutil.Process) -> float:
    """CPU s so far of a process and its children."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _mode(env: dict[str, str], tmp: Path, name: str, processes: int, sources: int):  # type: ignore[no-untyped-def]
    """(wall s, CPU s of every process, items) of one mode on its own fresh database."""
    database = tmp / f"{name}.db"
    env = dict(env, KIL_DATABASE_URL=f"sqlite:///{database}")
    for command in (["db", "upgrade"], ["sources", "import", "sources.toml"]):
        _run(env, tmp, *command)
    if name == "local":
        cpu, started = children_cpu(), time.perf_counter()
        _run(dict(env, KIL_CRAWL__BACKEND="local"), tmp, "crawl", "--json")
        return time.perf_counter() - started, children_cpu() - cpu, _closed_runs(database)[1]
    # a worker is a service: it is up, its crawl processes waiting on the queue, before
    # `kil crawl` queues the sources (its start-up is not a crawl's cost)
    logs = tmp / f"logs-{name}"
    worker = subprocess.Popen(
        [*kil_command(), "worker", "crawl", "--kind", "feed", "--processes", str(processes)],
        env=dict(env, KIL_CRAWL__LOG_DIR=str(logs)), cwd=tmp,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    tree = psutil.Process(worker.pid)
    while sum("Spider opened" in p.read_text() for p in logs.glob("*.log")) < processes:
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped: {worker.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.05)
    cpu, worker_cpu, started = children_cpu(), _tree_cpu(tree), time.perf_counter()
    _run(env, tmp, "crawl", "--json")  # queues and returns
    while _closed_runs(database)[0] < sources:
        if worker.poll() is not None:
            raise SystemExit(f"the worker stopped: {worker.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.05)
    wall = time.perf_counter() - started
    used = children_cpu() - cpu + _tree_cpu(tree) - worker_cpu
    worker.send_signal(signal.SIGTERM)
    worker.communicate(timeout=120)
    return wall, used, _closed_runs(database)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=250)
    args = parser.parse_args()
    rng = random.Random(42)
    pool = corpus_entries()
    server = FeedHosts(args.hosts)
    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-workers-"))
    lines = []
    for number in range(args.feeds):
        url = server.add(
            number, f"/feeds/{number}.rss", make_feed(number, rng.sample(pool, args.entries))
        )
        lines.append(f'[[sources]]\nname = "bench-{number:04d}"\nurl = "{url}"\nkind = "feed"\n')
    (tmp / "sources.toml").write_text("\n".join(lines))
    server.start()
    prefix = f"kilbench:{secrets.token_hex(4)}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    env.update(
        KIL_ALLOW_PRIVATE_NETWORKS="true", KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false", KIL_CRAWL__CONCURRENT_PER_DOMAIN="8",
        KIL_CRAWL__PROCESSES="1", KIL_CRAWL__BACKEND="redis", KIL_CRAWL__REDIS_PREFIX=prefix,
    )  # fmt: skip
    print(f"{args.feeds} feeds x {args.entries} real corpus entries on {args.hosts} loopback "
          f"hosts, whole commands, a fresh SQLite file per mode")  # fmt: skip
    print("| mode | wall | items | items/s | CPU s (all processes) | CPU s per 1,000 items |")
    print("|---|---|---|---|---|---|")
    results = {}
    try:
        for name, processes in (("local", 1), ("redis", 1), ("redis", 2)):
            wall, cpu, items = _mode(env, tmp, name if name == "local" else f"redis-{processes}",
                                     processes, args.feeds)  # fmt: skip
            label = (f"{name} backend, {processes} crawl process"
                     f"{'es' if processes > 1 else ''}")  # fmt: skip
            results[label] = (items / wall, cpu / items * 1000)
            print(f"| {label} | {wall:.1f} s | {items} | {items / wall:,.0f} | {cpu:.2f} | "
                  f"{cpu / items * 1000:.2f} |")  # fmt: skip
    finally:
        server.stop()
        import redis

        client = redis.Redis.from_url(
            os.environ.get("KIL_CRAWL__REDIS_URL", "redis://127.0.0.1:6379/0")
        )
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    base_rate, base_cpu = results["local backend, 1 crawl process"]
    for label, (rate, cpu) in results.items():
        print(f"{label}: {rate / base_rate:.2f}x the local backend's items/s, "
              f"{cpu / base_cpu:.2f}x its CPU per item")  # fmt: skip
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"({os.cpu_count()} CPUs here)")  # fmt: skip


if __name__ == "__main__":
    main()
