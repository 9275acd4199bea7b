"""Deliver an approved issue exactly once per subscriber, resumably.

The ledger (`Delivery`) gets one pending row per confirmed subscriber before the first
message leaves. Worker threads (one SMTP connection each, `newsletter.connections`) build
and send messages; after the server's 250 a worker records the outcome and sends its next
message only once that record is committed (`ledgerwriter.GroupCommitter`: whoever commits
takes every outcome queued so far, so the database sees few transactions). No row is ever
marked sent before its 250, and a kill loses at most the one message each connection had in
flight. Running the send again picks up exactly the rows not yet sent.

Temporary failures (4xx, dropped connections) are retried with exponential backoff on a
fresh connection; permanent ones (5xx) fail that delivery, and a 5.1.x address error marks
the subscriber bounced. Too many failures pause the send with a message saying so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, DeliveryError, ValidationError
from kil_feed.models import DeliveryStatus, IssueStatus, SubscriberStatus
from kil_feed.storage import deliveries as ledger
from kil_feed.storage import issues as issues_db
from kil_feed.storage.subscribers import find_subscriber, validate_email_address
from kil_feed.timeutil import utcnow
from kil_feed.topics import topic_catalog
from newsletter.attempt import Job, RateLimiter, Run, deliver, job_for, prepare
from newsletter.connections import Progress, pump
from newsletter.content import IssueContent, load_issue_content
from newsletter.message import MessageFactory, Recipient
from newsletter.pulse import issue_pulses
from newsletter.recheck import recheck_issue
from newsletter.render import Audience, Renderer
from newsletter.report import SendReport, summary
from newsletter.sendlock import check_not_busy, issue_send_lock
from newsletter.subject import current_subject
from newsletter.transport import LOST_REPLY, check_transport, make_transport

logger = logging.getLogger(__name__)

TEST_PREFIX = "[TEST]"


def check_test_address(to: str) -> str:
    """The `--to` address of a test copy, refused (exit 2) before anything is sent when it
    is no address: a relay would refuse it too, and the outbox would keep it."""
    try:
        return validate_email_address(to)
    except ValidationError as exc:
        raise ValidationError(
            f"cannot send a test copy to {to.strip()!r}: {exc.message.split(': ', 1)[-1]}",
            hint="--to takes one email address, e.g. you@example.org",
        ) from None


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
    join: bool = False,
    retry: bool = False,
) -> SendReport:
    """Send (or resume sending) an approved issue; see the module docstring.

    On PostgreSQL any number of these may run at once (`join`: a send worker taking part
    in a send already begun, `newsletter.workers`). `retry`: the scheduler's automatic
    retry of a send it began, which lifts no pause and sends no second copy of a row an
    earlier copy left unconfirmed (`held_unconfirmed`: that is for an editor to decide)."""
    started = time.monotonic()
    if to is not None:
        check_test_address(to)
    if not dry_run:
        check_transport(settings)
    if not dry_run and to is None:  # another live sender (SQLite): before any work
        check_not_busy(engine, issue_id)
    recheck = None
    if not dry_run and to is None and not (join or retry) and settings.newsletter.recheck_links:
        recheck = recheck_issue(engine, settings, issue_id)  # no dead job in an email
    content = load_issue_content(engine, issue_id, topic_catalog(settings))
    if content.is_empty:
        raise ConflictError(f"issue {issue_id} has no items", hint="rebuild it or add items")
    # a real send freezes the market figures and the subject it mails; a dry run or test
    # copy does not
    keep = not dry_run and to is None
    subject = current_subject(engine, settings, issue_id, store=keep and not join)
    if to is not None:  # a test copy says so where the reader looks first
        subject = f"{TEST_PREFIX} {subject}"
    content = replace(content, subject=subject)
    pulses = issue_pulses(engine, settings, issue_id, content.week, keep=keep)
    renderer = Renderer(settings, content, pulses)
    factory = MessageFactory(settings, issue_id)
    run = Run(settings, renderer, factory)
    run.limiter = RateLimiter(rate)
    if to is not None:
        report = _send_test_copy(engine, run, content, to)
    elif dry_run:
        report = _dry_run(engine, run, content, limit)
    else:
        report = _send(engine, run, content, limit, progress, start=not join, retry=retry)
    report.renders = renderer.renders
    if recheck is not None:
        report.jobs_closed, report.jobs_unchecked = recheck.closed, recheck.unknown
        if recheck.line:
            report.message = f"{report.message}; {recheck.line}" if report.message else recheck.line
    report.elapsed = time.monotonic() - started
    return report


def _send_test_copy(engine: Engine, run: Run, content: IssueContent, to: str) -> SendReport:
    """One copy to any address, outside the ledger (for checking an issue before sending)."""
    with read_session(engine) as session:
        sub = find_subscriber(to, session=session)
    recipient = Recipient(sub.id if sub and sub.id else 0, to.strip(), sub.name if sub else "")
    audience = Audience.of(sub.regions, sub.topics) if sub else Audience()
    transport = make_transport(run.settings)
    job = Job(0, recipient, audience)
    try:
        result = deliver(run, transport, job, prepare(run, job))
    finally:
        transport.close()
    report = SendReport(issue_id=content.issue_id, recipients=1, attempted=1, status=content.status)
    if result is not None and result.status == DeliveryStatus.sent.value:
        report.sent = 1
        report.message = f"test copy of issue {content.issue_id} sent to {to}"
        return report
    reply = f"{result.code or ''} {result.reply}".strip() if result else "stopped"
    raise DeliveryError(f"test copy to {to} was not accepted: {reply}")


def _dry_run(engine: Engine, run: Run, content: IssueContent, limit: int | None) -> SendReport:
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
        run.message_for(job_for(row))
    report.recipients = len(rows)
    report.message = (
        f"dry run: issue {content.issue_id} would go to {len(rows)} subscribers "
        f"({run.renderer.renders} distinct renders); nothing was sent"
    )
    return report


def _send(
    engine: Engine,
    run: Run,
    content: IssueContent,
    limit: int | None,
    progress: Progress | None,
    *,
    start: bool = True,
    retry: bool = False,
) -> SendReport:
    issue_id = content.issue_id
    report = SendReport(issue_id=issue_id, status=content.status)
    if content.status == IssueStatus.draft.value:
        raise ConflictError(
            f"issue {issue_id} is a draft", hint=f"approve it first: kil issue approve {issue_id}"
        )
    if engine.dialect.name == "postgresql":  # several senders at once: leased rows
        from newsletter.workers import send_shared

        return send_shared(engine, run, report, limit, progress, start=start, retry=retry)
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
            ledger.record_outcomes(skipped_outcomes(skipped), session=session)
        report.recipients = sum(counts.values())
        report.already_sent = counts.get(DeliveryStatus.sent.value, 0)
        report.failed_earlier = counts.get(DeliveryStatus.failed.value, 0)
        report.skipped = len(skipped)
        todo = [r for r in rows if r.status == SubscriberStatus.confirmed.value]
        if retry:
            held = {r.delivery_id for r in unconfirmed_rows(todo)}
            report.held_unconfirmed = len(held)
            todo = [r for r in todo if r.delivery_id not in held]
        if limit is not None:
            todo = todo[: max(0, limit)]
        report.resent_unconfirmed = resent_unconfirmed(todo)
        jobs = [job_for(row) for row in todo]
        run.renderer.prepare([job.audience for job in jobs])  # market figures: one write
        for job in jobs:
            run.jobs.put(job)
            run.renderer.render(job.audience)  # every variant up front, before the clock matters
        if todo:
            pump(engine, run, report, len(todo), progress)
        with write_session(engine) as session:
            report.pending = ledger.count_pending(issue_id, session=session)
            issue = issues_db.get_issue(issue_id, session=session)
            if report.pending == 0 and issue.status == IssueStatus.sending.value:
                issue.status = IssueStatus.sent.value
                issue.sent_at = issue.updated_at = utcnow()
                session.add(issue)
            report.status = issue.status
    return finished(run, report)


def unconfirmed_rows(rows: list[ledger.PendingDelivery]) -> list[ledger.PendingDelivery]:
    """The rows an earlier copy left unconfirmed (its reply was lost): sent again, they
    may arrive twice."""
    return [r for r in rows if r.last_reply.startswith(LOST_REPLY)]


def resent_unconfirmed(rows: list[ledger.PendingDelivery]) -> int:
    """How many of the rows about to be sent an earlier copy left unconfirmed: the report
    says they may arrive twice."""
    return len(unconfirmed_rows(rows))


def finished(run: Run, report: SendReport) -> SendReport:
    """The report of a send that ended (or the error that ended it)."""
    if run.fatal is not None:
        raise run.fatal
    report.message = summary(report)
    logger.info("send issue=%s %s", report.issue_id, report.message)
    return report


def skipped_outcomes(rows: list[ledger.PendingDelivery]) -> list[ledger.Outcome]:
    """Rows whose subscriber left after the send began: failed, with the reason."""
    now = utcnow()
    return [
        ledger.Outcome(
            r.delivery_id,
            DeliveryStatus.failed.value,
            0,
            None,
            None,
            f"skipped: subscriber is {r.status}",
            now,
        )
        for r in rows
    ]
