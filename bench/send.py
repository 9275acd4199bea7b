"""Benchmark: `kil issue send` as a whole command, against raw smtplib on the same sink.

Sets up a fresh database (SQLite by default, or `--database-url postgresql://...`: a new
database is created on that server for each run) with confirmed subscribers over 12
regions and a few topic sets and an approved issue of about 30 items, starts the sink
(aiosmtpd in its own process, `bench/smtp_sink.py`) on loopback, then measures in the
same run:

- raw: Python's smtplib sending one prebuilt message of the same size N times over one
  connection (the single-connection limit of client + sink), half before and half after;
- kil: `kil issue send ID` in a subprocess, timed from its start to its exit (start-up,
  ledger, render, send), with the settings a user gets by default unless `--connections`
  is given; `--processes N` runs N of them at once (PostgreSQL: senders share the ledger);
- `--scale N`: the whole command once with one connection and once with N connections
  (or N processes with `--processes`), on fresh databases, for the speed-up of N.

`--delay 0.02` makes the sink answer each message 20 ms late (a distant relay). The
issue's job links are on hosts that do not resolve here, so the pre-send link check (on
by default) costs one failed lookup; against a live job board it waits 0.5 s per further
job on the same host before the first message.
Prints messages per second, the ratios and the sink's count.
Run: `.venv/bin/python bench/send.py [--subscribers 5000] [--delay 0.02 --scale 4]`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
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


def start_sink(delay: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "0", str(delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    return proc, port


def stop_sink(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return int(out.strip().splitlines()[-1])


def configure(smtp_url: str) -> None:
    os.environ.update(
        KIL_SECRET_KEY="bench-secret-key-0123456789abcdefghijklmnop",
        KIL_SMTP_URL=smtp_url,
        KIL_BASE_URL="https://kil.example.org",
        KIL_NEWSLETTER__MAX_TOP_STORIES="5",
        KIL_NEWSLETTER__MAX_JOBS="20",
    )


def fresh_database(workdir: Path, server: str | None, name: str) -> str:
    """A new empty database: a file under `workdir`, or a database on `server`."""
    if server is None:
        return f"sqlite:///{workdir / name}.db"
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    db = f"kil_bench_{os.getpid()}_{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
    admin.dispose()
    return sa.make_url(server).set(database=db).render_as_string(hide_password=False)


def drop_databases(server: str) -> None:
    """Drop the databases this run created on `server`."""
    import sqlalchemy as sa

    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in ("a", "b"):
            conn.exec_driver_sql(
                f'DROP DATABASE IF EXISTS "kil_bench_{os.getpid()}_{name}" WITH (FORCE)'
            )
    admin.dispose()


def prepare(url: str, subscribers: int) -> int:
    """Set up `url` in a child process (so the parent stays small); the issue's id."""
    os.environ["KIL_DATABASE_URL"] = url
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(setup, subscribers).result()


def kil_send(issue_id: int, processes: int, connections: int | None) -> tuple[float, int]:
    """`kil issue send ID --json` in `processes` processes at once: (seconds, sent)."""
    env = dict(os.environ)
    if connections is not None:
        env["KIL_NEWSLETTER__SMTP_CONNECTIONS"] = str(connections)
    cmd = [sys.executable, "-m", "kil_feed", "issue", "send", str(issue_id), "--json"]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(processes)
    ]
    outs = [proc.communicate() for proc in procs]
    elapsed = time.perf_counter() - start
    sent = 0
    for proc, (out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise SystemExit(f"kil issue send failed ({proc.returncode}): {err.decode()}")
        sent += json.loads(out)["sent"]
    return elapsed, sent


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
    approve_issue(engine, issue.id, settings=settings)
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
    parser.add_argument("--subscribers", type=int, default=5_000)
    parser.add_argument("--connections", type=int, default=None, help="default: the setting's")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument("--delay", type=float, default=0.0, help="sink's answer delay (s)")
    parser.add_argument("--scale", type=int, default=0, help="compare 1 against N")
    args = parser.parse_args()

    sink, port = start_sink(args.delay)
    try:
        with tempfile.TemporaryDirectory(prefix="kil-bench-") as tmp:
            configure(f"smtp://127.0.0.1:{port}")
            t0 = time.perf_counter()
            first = fresh_database(Path(tmp), args.database_url, "a")
            issue_id = prepare(first, args.subscribers)
            print(
                f"setup: {args.subscribers} subscribers, issue {issue_id} on "
                f"{first.split(':', 1)[0]}, sink delay {args.delay * 1000:.0f} ms "
                f"({time.perf_counter() - t0:.1f}s)"
            )
            from kil_feed.config import load_settings
            from kil_feed.db import make_engine
            from newsletter.preview import preview_issue

            settings = load_settings()
            engine = make_engine(settings)
            sample = preview_issue(
                engine, settings, issue_id, subscriber="reader00001@example.org", fmt="eml"
            )
            engine.dispose()
            half = max(1, min(args.subscribers, 5_000 if not args.delay else 250) // 2)
            raw_before = raw_baseline(port, sample, half)
            if args.scale:
                one_s, one_sent = kil_send(issue_id, 1, 1)
                second = fresh_database(Path(tmp), args.database_url, "b")
                issue_b = prepare(second, args.subscribers)
                os.environ["KIL_DATABASE_URL"] = second
                many = (args.scale, 1) if args.processes > 1 else (1, args.scale)
                many_s, many_sent = kil_send(issue_b, *many)
            else:
                many_s, many_sent = kil_send(issue_id, args.processes, args.connections)
            raw_after = raw_baseline(port, sample, half)
            raw_rate = 2 * half / (half / raw_before + half / raw_after)
            print(
                f"raw smtplib, 1 connection, {len(sample):,}-byte message x {2 * half:,}: "
                f"{raw_rate:,.0f} msg/s ({raw_before:,.0f} before, {raw_after:,.0f} after)"
            )
            if args.scale:
                one = one_sent / one_s
                print(
                    f"kil issue send, 1 connection: {one_sent:,} in {one_s:.1f}s = {one:,.1f} msg/s"
                )
                what = "processes" if args.processes > 1 else "connections"
                rate = many_sent / many_s
                print(
                    f"kil issue send, {args.scale} {what}: {many_sent:,} in {many_s:.1f}s = "
                    f"{rate:,.1f} msg/s"
                )
                print(f"scaling {args.scale} {what} / 1: {rate / one:.2f}x (target >= 3.5x)")
            else:
                conns = args.connections or "default"
                rate = many_sent / many_s
                print(
                    f"kil issue send (whole command), {args.processes} process(es), "
                    f"{conns} connection(s): {many_sent:,} in {many_s:.1f}s = {rate:,.0f} msg/s"
                )
                print(f"ratio kil/raw: {rate / raw_rate:.2f}x (target >= 1.0x)")
    finally:
        received = stop_sink(sink)
        if args.database_url:
            drop_databases(args.database_url)
    print(f"sink received {received:,} messages")


if __name__ == "__main__":
    main()
