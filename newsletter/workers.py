"""Several senders of one issue at once, on PostgreSQL: leased ledger rows, one rate, one pause.

Each sender (`kil issue send ID` run again anywhere, or `kil worker send`) claims batches
of pending rows with `FOR UPDATE SKIP LOCKED` under a lease it renews while it lives, and
sends them exactly as a lone sender does (`newsletter.connections`: one
accepted-but-unrecorded message per connection at most). A sender killed mid-batch stops
renewing; once its lease runs out the rows are free and a live sender takes them, so a kill
can duplicate only the messages it had in flight. A sender that finds nothing free waits
while others still hold rows (one of them may die), then ends; whoever commits last marks
the issue `sent`, once. A row deferred (its tries ran out on temporary failures) waits for
the next run of the send (`kil issue send ID` again, the scheduler's retry), however long
this one lasts. The rate and the error-rate pause live in the issue's `send_state` row,
shared by all.
"""

from __future__ import annotations

import collections
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session, writer
from kil_feed.errors import ConfigError, NotFoundError
from kil_feed.models import DeliveryStatus, IssueStatus, SubscriberStatus
from kil_feed.storage import deliveries as ledger
from kil_feed.storage import issues as issues_db
from kil_feed.storage import leases
from kil_feed.timeutil import utcnow
from newsletter.attempt import Job, RateLimiter, Run, job_for
from newsletter.connections import Progress, error_rate_pause, pump
from newsletter.ledgerwriter import Result
from newsletter.report import SendReport
from newsletter.send import (
    finished,
    resent_unconfirmed,
    send_issue,
    skipped_outcomes,
    unconfirmed_rows,
)

logger = logging.getLogger(__name__)

CLAIM_PER_CONNECTION = 25  # rows leased at a time: a few seconds of work per connection
POLL_SECONDS = 0.5  # how often a sender with nothing free looks again
TALLY_EVERY = 50  # clean outcomes counted in the shared state at least this often (or 1 s)


def sender_name() -> str:
    """host:pid:random, unique per sender (a pid can come back on another run)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _dead_here(owner: str) -> bool:
    """A sender on this machine whose process is gone (its leases need not run out)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def free_dead_leases(issue_id: int, *, session: Connection) -> int:
    """Free the rows of senders that died on this machine; returns how many senders."""
    dead = [o for o in leases.lease_holders(issue_id, session=session) if _dead_here(o)]
    for owner in dead:
        logger.info("freeing the rows of a dead sender issue=%s owner=%s", issue_id, owner)
        leases.release_leases(issue_id, owner, session=session)
    return len(dead)


def live_senders(issue_id: int, *, session: leases.Db) -> list[str]:
    """The other senders alive now that hold rows of the issue (host:pid:tag): a send that
    joins them says so, as a lone SQLite sender says who holds its lock."""
    return sorted(o for o in leases.lease_holders(issue_id, session=session) if not _dead_here(o))


class SharedRateLimiter(RateLimiter):
    """`RateLimiter`'s contract, with its slots reserved on the issue's shared clock: all
    senders together start at most `rate` messages a second."""

    def __init__(self, engine: Engine, issue_id: int, rate: float) -> None:
        super().__init__(rate)
        self.engine = engine
        self.issue_id = issue_id
        self.rate = rate
        self.chunk = max(1, min(50, int(rate / 4)))  # a quarter second of slots per query
        self.slots: collections.deque[float] = collections.deque()

    def wait(self, stop: threading.Event) -> bool:
        with self.lock:
            if not self.slots:
                with writer(self.engine).begin() as conn:
                    offset = leases.reserve_slots(
                        self.issue_id, self.chunk, self.rate, session=conn
                    )
                first = time.monotonic() + offset
                self.slots.extend(first + n * self.interval for n in range(self.chunk))
            start = self.slots.popleft()
        delay = start - time.monotonic()
        return not stop.wait(delay) if delay > 0 else not stop.is_set()


class _Claims:
    """Where this sender's jobs come from (`Run.refill`) and what it adds to each commit."""

    def __init__(
        self,
        engine: Engine,
        run: Run,
        report: SendReport,
        batch: int,
        limit: int | None,
        *,
        retry: bool = False,
    ) -> None:
        self.engine = engine
        self.run = run
        self.report = report
        self.issue_id = report.issue_id
        self.owner = sender_name()
        self.lease = run.settings.newsletter.lease_seconds
        self.batch = batch
        self.left = limit
        self.retry = retry  # the scheduler's retry: unconfirmed rows are held for an editor
        self.untallied = [0, 0]  # outcomes (attempted, errors) not yet in the shared count
        self.tallied_at = time.monotonic()

    def __call__(self) -> list[Job]:
        """The next batch of leased rows; waits while other live senders hold rows."""
        run = self.run
        while not run.stop.is_set() and (self.left is None or self.left > 0):
            wanted = self.batch if self.left is None else min(self.batch, self.left)
            with writer(self.engine).begin() as conn:
                paused = leases.send_state(self.issue_id, session=conn).paused_reason
                if paused is not None:
                    self._paused(paused)
                    return []
                rows = leases.claim_batch(
                    self.issue_id, self.owner, wanted, self.lease, session=conn
                )
                skipped = [r for r in rows if r.status != SubscriberStatus.confirmed.value]
                ledger.record_outcomes(skipped_outcomes(skipped), session=conn)
                confirmed = [r for r in rows if r not in skipped]
                held = unconfirmed_rows(confirmed) if self.retry else []
                if held:
                    ids = [r.delivery_id for r in held]
                    leases.release_leases(
                        self.issue_id, self.owner, session=conn, ids=ids, defer=True
                    )
                    rows = [r for r in rows if r not in held]
                    self.report.held_unconfirmed += len(held)
                if not rows and free_dead_leases(self.issue_id, session=conn):
                    continue
                busy = (
                    0 if rows else leases.unsent_elsewhere(self.issue_id, self.owner, session=conn)
                )
            self.report.skipped += len(skipped)
            todo = [r for r in rows if r.status == SubscriberStatus.confirmed.value]
            self.report.resent_unconfirmed += resent_unconfirmed(todo)
            jobs = [job_for(r) for r in todo]
            if self.left is not None:
                self.left -= len(jobs)
            if jobs:
                run.renderer.prepare([job.audience for job in jobs])  # new market sets: one write
                return jobs
            if not rows and not busy and not held:
                return []
            if not rows and not held:
                run.stop.wait(POLL_SECONDS)
        return []

    def after_write(self, conn: Connection, batch: list[Result]) -> None:
        """With each ledger write (in its transaction when the batch had failures): count
        the outcomes for everyone, hold deferred rows for the next run, and pause every
        sender if the shared counts say so."""
        errors = sum(r.status != DeliveryStatus.sent.value for r in batch)
        self.untallied[0] += len(batch)
        self.untallied[1] += errors
        if not errors and not self._tally_due():
            return  # a clean batch: the shared count can wait (one query less per commit)
        attempted, failed, paused = self.tally(conn)
        deferred = [r.delivery_id for r in batch if r.status == DeliveryStatus.pending.value]
        if deferred:
            # for the next run, not this one: a lease running out must not retry them
            leases.release_leases(self.issue_id, self.owner, session=conn, ids=deferred, defer=True)
        if paused is None:
            lost = next((r for r in batch if r.unreachable), None)
            reason = (
                f"paused: cannot reach the mail server ({lost.reply})"
                if lost is not None
                else error_rate_pause(
                    failed, attempted, self.run.settings.newsletter.max_error_rate
                )
            )
            if reason is not None:
                paused = leases.pause(self.issue_id, reason, session=conn)
        if paused is not None:
            self._paused(paused)

    def _tally_due(self) -> bool:
        return self.untallied[0] >= TALLY_EVERY or time.monotonic() - self.tallied_at >= 1.0

    def tally(self, conn: Connection) -> tuple[int, int, str | None]:
        """Add our uncounted outcomes to the shared count; (attempted, errors, paused)."""
        attempted, errors = self.untallied
        self.untallied = [0, 0]
        self.tallied_at = time.monotonic()
        return leases.tally(self.issue_id, attempted, errors, session=conn)

    def heartbeat(self, done: threading.Event) -> None:
        """Renew our leases every third of a lease; stop if another sender paused."""
        while not done.wait(self.lease / 3):
            try:
                with writer(self.engine).begin() as conn:
                    leases.renew_leases(self.issue_id, self.owner, self.lease, session=conn)
                    paused = leases.send_state(self.issue_id, session=conn).paused_reason
            except Exception as exc:  # the database went away: the commits will say so
                logger.warning("lease renewal failed issue=%s: %s", self.issue_id, exc)
                continue
            if paused is not None:
                self._paused(paused)

    def _paused(self, reason: str) -> None:
        self.run.paused_reason = reason
        self.run.stop.set()


def send_shared(
    engine: Engine,
    run: Run,
    report: SendReport,
    limit: int | None,
    progress: Progress | None,
    *,
    start: bool,
    retry: bool = False,
) -> SendReport:
    """Send the issue's rows alongside any other senders (`start`: an editor's `kil issue
    send`, which may begin the send, sets the shared rate and lifts a pause; `retry`: the
    scheduler's, which only frees the rows earlier runs deferred)."""
    issue_id = report.issue_id
    rate = 1 / run.limiter.interval if run.limiter.interval else None
    with write_session(engine) as session:
        issue = leases.lock_issue(issue_id, session=session)
        if issue is None:
            raise NotFoundError(f"no issue with id {issue_id}", hint="see `kil issue list`")
        if start and issue.status == IssueStatus.approved.value:
            ledger.create_deliveries(issue_id, session=session)
            issue.status = IssueStatus.sending.value
            issue.updated_at = utcnow()
            session.add(issue)
        status = issue.status
        if status == IssueStatus.sending.value:
            leases.open_send_state(issue_id, rate, restart=start and not retry, session=session)
            if start:  # a new run: what earlier runs deferred is tried again
                leases.free_deferred(issue_id, session=session)
        counts = ledger.delivery_counts(issue_id, session=session)
        shared = leases.send_state(issue_id, session=session)
        report.other_senders = live_senders(issue_id, session=session)
        total = ledger.count_pending(issue_id, session=session)
    report.recipients = sum(counts.values())
    report.already_sent = counts.get(DeliveryStatus.sent.value, 0)
    report.failed_earlier = counts.get(DeliveryStatus.failed.value, 0)
    report.status = status
    if shared.paused_reason is not None:
        run.paused_reason = shared.paused_reason
    elif status == IssueStatus.sending.value and total:
        rate = rate or shared.rate
        if rate:
            run.limiter = SharedRateLimiter(engine, issue_id, rate)
        _run_claims(engine, run, report, limit, total, progress, retry=retry)
    with write_session(engine) as session:
        leases.finish_if_done(issue_id, session=session)
        report.pending = ledger.count_pending(issue_id, session=session)
        report.status = issues_db.get_issue(issue_id, session=session).status
    if run.paused_reason is not None:
        report.paused = True
        report.message = run.paused_reason
    return finished(run, report)


def _run_claims(
    engine: Engine,
    run: Run,
    report: SendReport,
    limit: int | None,
    total: int,
    progress: Progress | None,
    *,
    retry: bool,
) -> None:
    settings = run.settings
    connections = settings.newsletter.smtp_connections if settings.smtp_url else 1
    claims = _Claims(engine, run, report, CLAIM_PER_CONNECTION * connections, limit, retry=retry)
    run.refill = claims
    done = threading.Event()
    beat = threading.Thread(target=claims.heartbeat, args=(done,), name="kil-lease", daemon=True)
    beat.start()
    try:
        pump(engine, run, report, total, progress, claims.after_write)
    finally:
        done.set()
        beat.join(5)
        with writer(engine).begin() as conn:  # what we leased but did not send: free now
            leases.release_leases(report.issue_id, claims.owner, session=conn)
            claims.tally(conn)


def require_postgres(engine: Engine) -> None:
    """Send workers share the ledger through row locks SQLite does not have."""
    if engine.dialect.name != "postgresql":
        raise ConfigError(
            "send workers need PostgreSQL: on SQLite one process sends an issue",
            hint="run `kil issue send ID`, or set database_url to a postgresql:// URL",
        )


def work(
    engine: Engine,
    settings: Settings,
    *,
    once: bool = False,
    poll: float = 5.0,
    rate: float | None = None,
    stop: threading.Event | None = None,
    on_report: Callable[[SendReport], None] | None = None,
) -> int:
    """`kil worker send`: join every issue being sent until stopped (`once`: until none has
    free rows). Returns the number of sends joined."""
    require_postgres(engine)
    stop = stop or threading.Event()
    joined = 0
    while not stop.is_set():
        with read_session(engine) as session:
            todo = leases.issues_with_work(session=session)
        for issue_id in todo:
            report = send_issue(engine, settings, issue_id, rate=rate, join=True)
            joined += 1
            if on_report is not None:
                on_report(report)
            if stop.is_set():
                break
        if not todo:
            if once:
                break
            stop.wait(poll)
    return joined
