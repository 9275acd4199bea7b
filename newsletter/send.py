"""Deliver an approved issue exactly once per subscriber, resumably.

The ledger (`Delivery`) gets one pending row per confirmed subscriber before the first
message leaves. Worker threads (one SMTP connection each) build and send messages; after
the server's 250 a worker hands the outcome to the ledger writer (this thread) and waits
until it is committed before it sends the next one. The writer commits whatever outcomes
have arrived in one transaction (group commit), so the database sees few transactions while
no row is ever marked sent before its 250, and a kill loses at most the one message each
connection had in flight. Running the send again picks up exactly the rows not yet sent.

Temporary failures (4xx, dropped connections) are retried with exponential backoff on a
fresh connection; permanent ones (5xx) fail that delivery, and a 5.1.x address error marks
the subscriber bounced. Too many failures pause the send with a message saying so.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy.engine import Connection, Engine

from kil_feed import tokens
from kil_feed.config import Settings
from kil_feed.db import read_session, write_session, writer
from kil_feed.errors import ConflictError, DeliveryError, ValidationError
from kil_feed.models import DeliveryStatus, IssueStatus, SubscriberStatus
from kil_feed.storage import deliveries as ledger
from kil_feed.storage import issues as issues_db
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.timeutil import utcnow
from newsletter.content import IssueContent, load_issue_content
from newsletter.message import MessageFactory, Recipient
from newsletter.render import Audience, Renderer
from newsletter.sendlock import issue_send_lock
from newsletter.transport import PermanentFailure, TemporaryFailure, make_transport

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
MIN_FAILURES_TO_PAUSE = 5
MAX_BACKOFF_SECONDS = 300.0


@dataclass
class SendReport:
    """What a send (or a dry run) did; `message` says it in a sentence."""

    issue_id: int
    dry_run: bool = False
    recipients: int = 0  # rows in the ledger (in a dry run: who would receive it)
    attempted: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    deferred: int = 0  # temporary failures that ran out of tries: still pending
    skipped: int = 0  # subscriber left (unsubscribed, bounced) after the send began
    already_sent: int = 0
    pending: int = 0  # still to send after this run
    renders: int = 0  # distinct preference sets rendered
    paused: bool = False
    status: str = ""
    message: str = ""
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return self.attempted / self.elapsed if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"rate": round(self.rate, 1)}


@dataclass
class _Job:
    delivery_id: int
    recipient: Recipient
    audience: Audience


@dataclass
class _Result:
    job: _Job
    status: str
    attempts: int
    message_id: str | None
    code: int | None
    reply: str
    bounce: bool = False
    unreachable: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class _RateLimiter:
    """Spaces message starts `1/rate` seconds apart across all connections."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self, stop: threading.Event) -> bool:
        """False if the send was stopped while waiting."""
        if not self.interval:
            return not stop.is_set()
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        delay = start - now
        return not stop.wait(delay) if delay > 0 else not stop.is_set()


class _Run:
    """The shared state of one send: settings, renderer, queues and the stop flag."""

    def __init__(self, settings: Settings, renderer: Renderer, factory: MessageFactory) -> None:
        self.settings = settings
        self.renderer = renderer
        self.factory = factory
        self.mail_from = factory.from_addr
        self.stop = threading.Event()
        self.writer_gone = threading.Event()
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.results: queue.SimpleQueue[_Result] = queue.SimpleQueue()
        self.limiter = _RateLimiter(None)
        self.fatal: BaseException | None = None
        self.when = utcnow()

    def message_for(self, job: _Job) -> tuple[bytes, str]:
        rendered = self.renderer.render(job.audience)
        sid = job.recipient.subscriber_id
        unsub_token = tokens.make_token(self.settings, sid, "unsubscribe")
        base = self.settings.base_url.rstrip("/")
        return self.factory.build(
            rendered,
            job.recipient,
            f"{base}/unsubscribe/{unsub_token}",
            tokens.preferences_url(self.settings, sid),
            when=self.when,
            unsubscribe_token=unsub_token,
        )


def _deliver(run: _Run, transport: object, job: _Job) -> _Result | None:
    """Send one message with retries; None if the send stopped before trying."""
    nl = run.settings.newsletter
    try:
        data, mid = run.message_for(job)
    except ValidationError as exc:  # e.g. an address that cannot go in a To header
        return _Result(job, DeliveryStatus.failed.value, 0, None, None, str(exc))
    attempts = 0
    while True:
        if not run.limiter.wait(run.stop):
            if attempts == 0:
                return None
            return _Result(job, DeliveryStatus.pending.value, attempts, None, None, "stopped")
        attempts += 1
        try:
            result = transport.send(data, run.mail_from, job.recipient.email)  # type: ignore[attr-defined]
        except TemporaryFailure as exc:
            logger.info("temporary failure to=%s try=%d: %s", job.recipient.email, attempts, exc)
            if attempts >= nl.max_attempts:
                return _Result(
                    job,
                    DeliveryStatus.pending.value,
                    attempts,
                    None,
                    exc.code,
                    exc.reply,
                    unreachable=exc.code is None,
                )
            delay = min(nl.retry_backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            if run.stop.wait(delay):
                return _Result(
                    job, DeliveryStatus.pending.value, attempts, None, exc.code, exc.reply
                )
            continue
        except PermanentFailure as exc:
            logger.warning("permanent failure to=%s: %s", job.recipient.email, exc)
            return _Result(
                job,
                DeliveryStatus.failed.value,
                attempts,
                None,
                exc.code,
                exc.reply,
                bounce=exc.is_bad_address,
            )
        return _Result(job, DeliveryStatus.sent.value, attempts, mid, result.code, result.reply)


def _worker(run: _Run) -> None:
    transport = make_transport(run.settings)
    try:
        while not run.stop.is_set():
            try:
                job = run.jobs.get_nowait()
            except queue.Empty:
                return
            result = _deliver(run, transport, job)
            if result is None:
                return
            run.results.put(result)
            # the next message goes out only once this outcome is in the ledger
            while not result.done.wait(0.5):
                if run.writer_gone.is_set():
                    return
    except BaseException as exc:  # recorded and re-raised by the writer thread
        run.fatal = exc
        run.stop.set()
    finally:
        transport.close()


def _recipient_audience(row: ledger.PendingDelivery) -> tuple[Recipient, Audience]:
    return Recipient(row.subscriber_id, row.email, row.name), Audience.of(
        list(row.regions), list(row.topics)
    )


def send_issue(
    engine: Engine,
    settings: Settings,
    issue_id: int,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    rate: float | None = None,
    to: str | None = None,
    progress: Progress | None = None,
) -> SendReport:
    """Send (or resume sending) an approved issue; see the module docstring."""
    started = time.monotonic()
    content = load_issue_content(engine, issue_id)
    if content.is_empty:
        raise ConflictError(f"issue {issue_id} has no items", hint="rebuild it or add items")
    renderer = Renderer(settings, content)
    factory = MessageFactory(settings, issue_id)
    run = _Run(settings, renderer, factory)
    run.limiter = _RateLimiter(rate)
    if to is not None:
        report = _send_test_copy(engine, run, content, to)
    elif dry_run:
        report = _dry_run(engine, run, content, limit)
    else:
        report = _send(engine, run, content, limit, progress)
    report.renders = renderer.renders
    report.elapsed = time.monotonic() - started
    return report


def _send_test_copy(engine: Engine, run: _Run, content: IssueContent, to: str) -> SendReport:
    """One copy to any address, outside the ledger (for checking an issue before sending)."""
    with read_session(engine) as session:
        sub = find_subscriber(to, session=session)
    recipient = Recipient(sub.id if sub and sub.id else 0, to.strip(), sub.name if sub else "")
    audience = Audience.of(sub.regions, sub.topics) if sub else Audience()
    transport = make_transport(run.settings)
    try:
        result = _deliver(run, transport, _Job(0, recipient, audience))
    finally:
        transport.close()
    report = SendReport(issue_id=content.issue_id, recipients=1, attempted=1, status=content.status)
    if result is not None and result.status == DeliveryStatus.sent.value:
        report.sent = 1
        report.message = f"test copy of issue {content.issue_id} sent to {to}"
        return report
    reply = f"{result.code or ''} {result.reply}".strip() if result else "stopped"
    raise DeliveryError(f"test copy to {to} was not accepted: {reply}")


def _dry_run(engine: Engine, run: _Run, content: IssueContent, limit: int | None) -> SendReport:
    """Render and build every message that would go out; send and record nothing."""
    report = SendReport(issue_id=content.issue_id, dry_run=True, status=content.status)
    with read_session(engine) as session:
        if content.status == IssueStatus.sent.value:
            rows: list[ledger.PendingDelivery] = []
        elif content.status == IssueStatus.sending.value:
            rows = ledger.pending_deliveries(content.issue_id, session=session)
        else:
            from kil_feed.storage.subscribers import list_subscribers

            subs = list_subscribers(session=session, status=SubscriberStatus.confirmed.value)
            rows = [
                ledger.PendingDelivery(
                    0, s.id or 0, s.email, s.name, s.status, tuple(s.regions), tuple(s.topics), 0
                )
                for s in subs
            ]
    rows = [r for r in rows if r.status == SubscriberStatus.confirmed.value][:limit]
    for row in rows:
        recipient, audience = _recipient_audience(row)
        run.message_for(_Job(row.delivery_id, recipient, audience))
    report.recipients = len(rows)
    report.message = (
        f"dry run: issue {content.issue_id} would go to {len(rows)} subscribers "
        f"({run.renderer.renders} distinct renders); nothing was sent"
    )
    return report


def _send(
    engine: Engine, run: _Run, content: IssueContent, limit: int | None, progress: Progress | None
) -> SendReport:
    issue_id = content.issue_id
    report = SendReport(issue_id=issue_id, status=content.status)
    if content.status == IssueStatus.draft.value:
        raise ConflictError(
            f"issue {issue_id} is a draft", hint=f"approve it first: kil issue approve {issue_id}"
        )
    with issue_send_lock(engine, issue_id):
        with write_session(engine) as session:
            issue = issues_db.get_issue(issue_id, session=session)
            if issue.status == IssueStatus.approved.value:
                ledger.create_deliveries(issue_id, session=session)
                issue.status = IssueStatus.sending.value
                issue.updated_at = utcnow()
                session.add(issue)
            counts = ledger.delivery_counts(issue_id, session=session)
            rows = ledger.pending_deliveries(issue_id, session=session)
            skipped = [r for r in rows if r.status != SubscriberStatus.confirmed.value]
            ledger.record_outcomes(
                [
                    ledger.Outcome(
                        r.delivery_id,
                        DeliveryStatus.failed.value,
                        0,
                        None,
                        None,
                        f"skipped: subscriber is {r.status}",
                        utcnow(),
                    )
                    for r in skipped
                ],
                session=session,
            )
        report.recipients = sum(counts.values())
        report.already_sent = counts.get(DeliveryStatus.sent.value, 0)
        report.skipped = len(skipped)
        todo = [r for r in rows if r.status == SubscriberStatus.confirmed.value]
        if limit is not None:
            todo = todo[: max(0, limit)]
        for row in todo:
            recipient, audience = _recipient_audience(row)
            run.jobs.put(_Job(row.delivery_id, recipient, audience))
            run.renderer.render(audience)  # every variant up front, before the clock matters
        if todo:
            _pump(engine, run, report, len(todo), progress)
        with write_session(engine) as session:
            report.pending = ledger.count_pending(issue_id, session=session)
            issue = issues_db.get_issue(issue_id, session=session)
            if report.pending == 0 and issue.status == IssueStatus.sending.value:
                issue.status = IssueStatus.sent.value
                issue.sent_at = issue.updated_at = utcnow()
                session.add(issue)
            report.status = issue.status
    if run.fatal is not None:
        raise run.fatal
    report.message = _summary(report)
    logger.info("send issue=%s %s", issue_id, report.message)
    return report


def _pump(
    engine: Engine, run: _Run, report: SendReport, total: int, progress: Progress | None
) -> None:
    """Start the connections and write their outcomes to the ledger until all are done."""
    connections = (
        1 if not run.settings.smtp_url else min(run.settings.newsletter.smtp_connections, total)
    )
    threads = [
        threading.Thread(target=_worker, args=(run,), name=f"kil-send-{n}", daemon=True)
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    interrupted: BaseException | None = None
    conn = writer(engine).connect()  # one connection for every group commit of this run
    try:
        while any(t.is_alive() for t in threads) or not run.results.empty():
            try:
                _write_ready(conn, run, report, total, progress)
            except KeyboardInterrupt as exc:
                if interrupted is not None:
                    raise  # a second Ctrl-C: stop waiting
                # stop starting new messages, but record the ones already accepted
                interrupted = exc
                run.stop.set()
                run.writer_gone.set()  # workers hand over their last outcome and leave
    except BaseException as exc:  # the ledger cannot be written: stop everything
        interrupted = exc
        run.writer_gone.set()
        run.stop.set()
    finally:
        for thread in threads:
            thread.join()
        conn.close()
    if interrupted is not None:
        raise interrupted


def _write_ready(
    conn: Connection, run: _Run, report: SendReport, total: int, progress: Progress | None
) -> None:
    """Commit the outcomes that have arrived (waiting briefly for the first one)."""
    try:
        batch = [run.results.get(timeout=0.05)]
    except queue.Empty:
        return
    while True:
        try:
            batch.append(run.results.get_nowait())
        except queue.Empty:
            break
    _commit(conn, batch, report)
    if progress is not None:
        progress(report.attempted, total)
    _check_error_rate(run, report)


def _commit(conn: Connection, batch: list[_Result], report: SendReport) -> None:
    """One transaction for the batch (BEGIN IMMEDIATE on SQLite), then wake its workers."""
    now = utcnow()
    with conn.begin():
        ledger.record_outcomes(
            [
                ledger.Outcome(
                    r.job.delivery_id, r.status, r.attempts, r.message_id, r.code, r.reply, now
                )
                for r in batch
            ],
            session=conn,
        )
        bounced = [r.job.recipient.subscriber_id for r in batch if r.bounce]
        ledger.mark_bounced(bounced, session=conn)
    for result in batch:
        result.done.set()
        report.attempted += 1
        if result.status == DeliveryStatus.sent.value:
            report.sent += 1
        elif result.status == DeliveryStatus.failed.value:
            report.failed += 1
            report.bounced += result.bounce
        else:
            report.deferred += 1
            if result.unreachable:
                report.paused = True
                report.message = f"paused: cannot reach the mail server ({result.reply})"


def _check_error_rate(run: _Run, report: SendReport) -> None:
    errors = report.failed + report.deferred
    limit = run.settings.newsletter.max_error_rate
    if report.paused or (errors >= MIN_FAILURES_TO_PAUSE and errors / report.attempted > limit):
        if not report.paused:
            report.paused = True
            report.message = (
                f"paused: {errors} of {report.attempted} deliveries failed "
                f"({errors / report.attempted:.0%}, more than the {limit:.0%} allowed)"
            )
        run.stop.set()


def _summary(report: SendReport) -> str:
    if not report.attempted and not report.pending and report.status == IssueStatus.sent.value:
        return f"issue {report.issue_id} was already sent to everyone: nothing to send"
    parts = [f"issue {report.issue_id}: {report.sent} sent"]
    if report.failed:
        parts.append(f"{report.failed} failed ({report.bounced} bounced)")
    if report.deferred:
        parts.append(f"{report.deferred} deferred")
    if report.skipped:
        parts.append(f"{report.skipped} skipped")
    if report.already_sent:
        parts.append(f"{report.already_sent} sent earlier")
    text = ", ".join(parts) + f"; {report.pending} still pending, status {report.status}"
    if report.paused:
        hint = f"fix the cause, then run `kil issue send {report.issue_id}` again to resume"
        text = f"{report.message}. {text}. {hint}"
    elif report.pending:
        text += f" (run `kil issue send {report.issue_id}` again to continue)"
    return text
