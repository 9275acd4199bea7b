"""The connections of one send: a builder thread prepares messages, one thread per SMTP
connection sends them, each outcome is committed before its connection sends the next.

`pump` runs them until the queue (and `Run.refill`, a send worker's leased batches) is
empty or the send stops: the lone SQLite sender (`newsletter.send`) and each PostgreSQL
sender (`newsletter.workers`) call it alike, so both keep the same ledger guarantees (one
accepted-but-unrecorded message per connection at most) and the same error-rate pause.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

from kil_feed.models import DeliveryStatus
from newsletter.attempt import STOPPED, Job, Run, deliver, prepare
from newsletter.ledgerwriter import GroupCommitter, Result
from newsletter.report import SendReport
from newsletter.transport import make_transport

Progress = Callable[[int, int], None]
MIN_FAILURES_TO_PAUSE = 5
PREFETCH_PER_CONNECTION = 2  # messages built ahead: bytes in memory, not on the wire


Prepared = tuple[Job, "tuple[bytes, str] | Result"]


def _next_job(run: Run) -> Job | None:
    if run.stop.is_set():
        return None
    try:
        return run.jobs.get_nowait()
    except queue.Empty:
        pass
    for job in run.refill() if run.refill is not None else []:
        run.jobs.put(job)
    try:
        return run.jobs.get_nowait()
    except queue.Empty:
        return None


def _builder(run: Run, ready: queue.Queue[Prepared], built: threading.Event) -> None:
    """Builds the next few messages while the connections wait for the server's answers.

    Building is not sending: a message only leaves when a connection takes it, so the
    ledger guarantees are those of `_worker`; a stopped send simply leaves these pending.
    """
    try:
        while (job := _next_job(run)) is not None:
            item = (job, prepare(run, job))
            while not run.stop.is_set():
                try:
                    ready.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
    except BaseException as exc:  # recorded and re-raised by the sending thread
        run.fatal = exc
        run.stop.set()
    finally:
        built.set()


def _next_ready(run: Run, ready: queue.Queue[Prepared], built: threading.Event) -> Prepared | None:
    while not run.stop.is_set():
        try:
            return ready.get(timeout=0.1)
        except queue.Empty:
            if built.is_set() and ready.empty():
                return None
    return None


def _worker(run: Run, ready: queue.Queue[Prepared], built: threading.Event) -> None:
    """One SMTP connection: send a message, wait for its outcome to be committed, repeat."""
    transport = None
    try:  # a transport that cannot be made stops the send too (the others waited for it)
        transport = make_transport(run.settings)
        while (item := _next_ready(run, ready, built)) is not None:
            result = deliver(run, transport, *item)
            if result is None:
                return
            run.committer.record(result)  # type: ignore[union-attr]
    except BaseException as exc:  # recorded and re-raised by the sending thread
        run.fatal = exc
        run.stop.set()
    finally:
        if transport is not None:
            transport.close()


def pump(
    engine: Engine,
    run: Run,
    report: SendReport,
    total: int,
    progress: Progress | None,
    after_write: Callable[[Connection, list[Result]], None] | None = None,
) -> None:
    """Run the connections until the queue is empty or the send stops; outcomes are
    committed by the connections themselves (`GroupCommitter`, which calls `after_write`
    in each of its transactions)."""

    def on_commit(batch: list[Result]) -> None:
        _count(batch, report)
        if progress is not None:
            progress(report.attempted, total)
        _check_error_rate(run, report)

    wanted = run.settings.newsletter.smtp_connections if run.settings.smtp_url else 1
    run.committer = GroupCommitter(engine, on_commit, after_write)
    connections = min(wanted, total)
    ready: queue.Queue[Prepared] = queue.Queue(maxsize=PREFETCH_PER_CONNECTION * connections)
    built = threading.Event()
    threads = [
        threading.Thread(target=_builder, args=(run, ready, built), name="kil-build", daemon=True)
    ] + [
        threading.Thread(
            target=_worker, args=(run, ready, built), name=f"kil-send-{n}", daemon=True
        )
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    interrupted: BaseException | None = None
    try:
        for thread in threads:
            while thread.is_alive():
                try:
                    thread.join(0.2)
                except KeyboardInterrupt as exc:
                    if interrupted is not None:
                        raise
                    # no new messages; those in flight finish and are recorded
                    interrupted = exc
                    run.stop.set()
    finally:
        run.stop.set()
        for thread in threads:
            thread.join(5)
        run.committer.close()
    if interrupted is not None:
        raise interrupted


def _count(batch: list[Result], report: SendReport) -> None:
    for result in batch:
        report.attempted += 1
        if result.status == DeliveryStatus.sent.value:
            report.sent += 1
            report.maybe_twice += result.twice
        elif result.status == DeliveryStatus.failed.value:
            report.failed += 1
            report.bounced += result.bounce
        else:
            report.deferred += 1
            report.unconfirmed += result.unconfirmed
            if not result.unconfirmed and result.reply != STOPPED:
                report.deferred_reply = f"{result.code or ''} {result.reply}".strip()
            if result.unreachable:
                report.paused = True
                report.message = f"paused: cannot reach the mail server ({result.reply})"


def error_rate_pause(errors: int, attempted: int, limit: float) -> str | None:
    """Why a send with these counts must pause, or None if it may go on. The counts are
    those at the moment of the pause ("the first N"): messages already on their way still
    come back, and the summary's counts (which add up) include them."""
    if errors >= MIN_FAILURES_TO_PAUSE and errors / attempted > limit:
        return (
            f"paused: {errors} of the first {attempted} deliveries failed or were deferred "
            f"({errors / attempted:.0%}, more than the {limit:.0%} allowed)"
        )
    return None


def _check_error_rate(run: Run, report: SendReport) -> None:
    if run.paused_reason is not None:  # decided on counts all the senders share
        if not report.paused:
            report.paused = True
            report.message = run.paused_reason
    elif run.refill is None and not report.paused:
        errors = report.failed + report.deferred
        reason = error_rate_pause(errors, report.attempted, run.settings.newsletter.max_error_rate)
        if reason is not None:
            report.paused = True
            report.message = reason
    if report.paused:
        run.stop.set()
