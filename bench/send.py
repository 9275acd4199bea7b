"""Benchmark: send one issue to 10,000 subscribers through a local SMTP sink.

Sets up a fresh SQLite database with 10,000 confirmed subscribers over 12 regions and a
few topic sets and an approved issue of about 30 items, starts the sink (aiosmtpd in its
own process, `bench/smtp_sink.py`) on loopback, then measures in the same run:

- raw: Python's smtplib sending one prebuilt message of the same size N times over one
  connection (the single-connection limit of client + sink);
- kil: `newsletter.send.send_issue`, rendering, personalising, sending and keeping the
  ledger.

Prints messages per second for both, the ratio, and peak memory (max RSS).
Run: `.venv/bin/python bench/send.py [--subscribers 10000] [--connections 1]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kil_feed.regions import ITL1_REGIONS  # noqa: E402

REGIONS = list(ITL1_REGIONS)
TOPICS = ["procurement-reform", "insourcing", "social-value", "local-government", "health"]
TOPIC_SETS: list[list[str]] = [[], [], ["social-value"], ["procurement-reform", "insourcing"]]


def start_sink() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py")], stdout=subprocess.PIPE, text=True
    )
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    return proc, port


def stop_sink(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return int(out.strip().splitlines()[-1])


def configure(workdir: Path, smtp_url: str, connections: int) -> None:
    os.environ.update(
        KIL_DATABASE_URL=f"sqlite:///{workdir / 'kil.db'}",
        KIL_SECRET_KEY="bench-secret-key-0123456789abcdefghijklmnop",
        KIL_SMTP_URL=smtp_url,
        KIL_BASE_URL="https://kil.example.org",
        KIL_NEWSLETTER__SMTP_CONNECTIONS=str(connections),
        KIL_NEWSLETTER__MAX_TOP_STORIES="5",
        KIL_NEWSLETTER__MAX_JOBS="20",
    )


def setup(subscribers: int) -> int:
    """Create the database, items, subscribers and the approved issue; returns its id.

    Runs in a child process so that the peak memory measured here is the send's own.
    """
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, write_session
    from kil_feed.migrate import upgrade
    from kil_feed.models import Item, Subscriber
    from kil_feed.storage.items import save_item
    from kil_feed.storage.sources import upsert_source
    from kil_feed.timeutil import utcnow
    from newsletter.build import build_issue
    from newsletter.edit import approve_issue, edit_issue

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    now = utcnow()
    with write_session(engine) as s:
        news, _ = upsert_source("Bench News", session=s, url="https://news.example.org/feed")
        jobs, _ = upsert_source(
            "Bench Jobs", session=s, url="https://jobs.example.org", kind="jobs"
        )
        for n in range(12):
            save_item(
                Item(
                    source_id=news.id,  # type: ignore[arg-type]
                    url=f"https://news.example.org/story-{n}",
                    title=f"Council procurement story number {n}: what changes for buyers",
                    summary="A summary of a procurement story, long enough to look real. " * 4,
                    topics=[TOPICS[n % len(TOPICS)]],
                    status="approved",
                    score=float(n % 5),
                    featured=n == 0,
                    published_at=now - timedelta(hours=n + 2),
                    collected_at=now - timedelta(hours=n + 1),
                ),
                session=s,
            )
        for n in range(18):
            region = REGIONS[n % len(REGIONS)]
            save_item(
                Item(
                    source_id=jobs.id,  # type: ignore[arg-type]
                    kind="job",
                    url=f"https://jobs.example.org/job-{n}",
                    title=f"Interim Category Manager {n}",
                    summary="Lead sourcing for a council category through the new regime. " * 2,
                    employer=f"{region} Council",
                    location=region,
                    regions=[region],
                    pay_min=450 + n * 10,
                    pay_max=550 + n * 10,
                    pay_period="day",
                    pay_currency="GBP",
                    contract_type="Interim",
                    ir35="outside",
                    status="approved",
                    closes_at=now + timedelta(days=14),
                    collected_at=now - timedelta(hours=n + 1),
                ),
                session=s,
            )
        s.add_all(
            Subscriber(
                email=f"reader{i:05d}@example.org",
                name=f"Reader {i}",
                status="confirmed",
                regions=[] if i % 13 == 12 else [REGIONS[i % len(REGIONS)]],
                topics=TOPIC_SETS[i % len(TOPIC_SETS)],
            )
            for i in range(subscribers)
        )
    issue = build_issue(engine, settings)
    assert issue is not None and issue.id is not None
    edit_issue(engine, issue.id, intro="This week in public-sector procurement.")
    approve_issue(engine, issue.id)
    engine.dispose()
    return issue.id


def raw_baseline(port: int, message: bytes, count: int) -> float:
    """smtplib, one connection, one prebuilt message `count` times: messages per second."""
    smtp = smtplib.SMTP("127.0.0.1", port)
    start = time.perf_counter()
    for i in range(count):
        smtp.sendmail("newsletter@kil-feed.local", [f"raw{i}@example.org"], message)
    elapsed = time.perf_counter() - start
    smtp.quit()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()

    sink, port = start_sink()
    try:
        with tempfile.TemporaryDirectory(prefix="kil-bench-") as tmp:
            t0 = time.perf_counter()
            configure(Path(tmp), f"smtp://127.0.0.1:{port}", args.connections)
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                issue_id = pool.submit(setup, args.subscribers).result()
            from kil_feed.config import load_settings
            from kil_feed.db import make_engine

            settings = load_settings()
            engine = make_engine(settings)
            print(
                f"setup: {args.subscribers} subscribers, issue {issue_id} "
                f"({time.perf_counter() - t0:.1f}s)"
            )
            from newsletter.preview import preview_issue
            from newsletter.send import send_issue

            sample = preview_issue(
                engine, settings, issue_id, subscriber="reader00001@example.org", fmt="eml"
            )
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            # the machine may be shared: measure raw in two halves, before and after our send
            half = max(1, args.subscribers // 2)
            raw_before = raw_baseline(port, sample, half)
            start = time.perf_counter()
            report = send_issue(engine, settings, issue_id)
            elapsed = time.perf_counter() - start
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            raw_after = raw_baseline(port, sample, half)
            raw_rate = 2 * half / (half / raw_before + half / raw_after)
            print(
                f"raw smtplib, 1 connection, {len(sample):,}-byte message x {2 * half:,}: "
                f"{raw_rate:,.0f} msg/s ({raw_before:,.0f} before, {raw_after:,.0f} after)"
            )
            kil_rate = report.sent / elapsed
            print(
                f"kil send_issue, {args.connections} connection(s): {report.sent:,} sent in "
                f"{elapsed:.1f}s = {kil_rate:,.0f} msg/s ({report.renders} renders, "
                f"status {report.status}, {report.failed} failed)"
            )
            print(f"ratio kil/raw: {kil_rate / raw_rate:.2f}x (target >= 0.80x)")
            print(
                f"peak memory (max RSS): {rss_after / 1024:.0f} MiB "
                f"(before sending: {rss_before / 1024:.0f} MiB)"
            )
            engine.dispose()
    finally:
        received = stop_sink(sink)
    print(f"sink received {received:,} messages")


if __name__ == "__main__":
    main()
