"""The scheduler's retry of a send it began that ended with deliveries deferred.

A greylisting server (451 4.7.1) or a relay that is busy for an hour defers some rows; as a
mail queue does (Postfix: back-off, then give up after `maximal_queue_lifetime`), the retry
job sends the issue again with growing waits, for `retry_deferred_hours` from the start of
the send, then fails what is left with its last answer. The send's week claim says where
it stands (`deferred` while retries go on); rows already sent are never sent again (the
ledger), and a row an earlier copy left unconfirmed is never sent again automatically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError
from kil_feed.models import IssueStatus, JobRun, JobWeekClaim
from kil_feed.scheduler.runtime import Runtime
from kil_feed.storage import deliveries, issues, job_runs
from kil_feed.timeutil import as_utc, duration_label, utcnow
from newsletter.report import SendReport

logger = logging.getLogger(__name__)

MAX_WAIT = timedelta(hours=4)
DEFERRED = "deferred"  # the claim of a send whose deferred rows the retry job retries


@dataclass(frozen=True)
class Due:
    week: str
    give_up: bool  # the retry time is over: fail what is left


def next_retry(started: datetime, last_try: datetime, first_wait: timedelta) -> datetime:
    """Back-off without a counter: wait as long as the rows have already waited (from the
    start of the send to the last try), at least `first_wait`, at most `MAX_WAIT`."""
    return last_try + min(max(first_wait, last_try - started), MAX_WAIT)


def _last_try(claim: JobWeekClaim, run: JobRun | None) -> datetime:
    ended = run.finished_at if run is not None and run.finished_at else claim.claimed_at
    return as_utc(ended)  # type: ignore[return-value]


def due_retries(rt: Runtime, now: datetime | None = None) -> list[Due]:
    """The deferred sends whose next retry (or giving up) is due now."""
    schedule = rt.settings.schedule
    if not schedule.retry_deferred_hours:
        return []
    now = now or utcnow()
    window = timedelta(hours=schedule.retry_deferred_hours)
    first = timedelta(minutes=schedule.retry_first_minutes)
    due = []
    with read_session(rt.engine) as session:
        for claim in job_runs.claims_with_status("send", DEFERRED, session=session):
            run = session.get(JobRun, claim.job_run_id) if claim.job_run_id else None
            started, last = as_utc(claim.claimed_at), _last_try(claim, run)
            if now >= started + window:  # type: ignore[operator]
                due.append(Due(claim.week, give_up=True))
            elif now >= next_retry(started, last, first):  # type: ignore[arg-type]
                due.append(Due(claim.week, give_up=False))
    return due


def retry_job(rt: Runtime, run_id: int) -> tuple[str, str]:
    """Retry (or give up on) every deferred send that is due; the worst outcome is the
    run's status: `failed` (paused, given up, left for an editor), `deferred` (retries go
    on), `ok` (everyone has it now)."""
    due = due_retries(rt)
    if not due:
        return "skipped", "no deferred deliveries are due for a retry"
    results = [_retry_one(rt, run_id, d) for d in due]
    order = {"failed": 0, "deferred": 1, "ok": 2, "skipped": 3}
    status = min((s for s, _ in results), key=order.__getitem__)
    return status, "; ".join(detail for _, detail in results)


def _retry_one(rt: Runtime, run_id: int, due: Due) -> tuple[str, str]:
    with read_session(rt.engine) as session:
        issue = issues.find_issue_for_week(due.week, session=session)
    if issue is None or issue.status != IssueStatus.sending.value:
        _note(rt, due.week, "done", run_id)
        state = issue.status if issue is not None else "gone"
        return "skipped", f"issue {due.week} is {state}: nothing to retry"
    issue_id = int(issue.id)  # type: ignore[arg-type]
    if due.give_up:
        return _give_up(rt, run_id, due.week, issue_id)
    try:
        report = rt.functions.send(rt.engine, rt.settings, issue_id, retry=True)  # type: ignore[call-arg]
    except ConflictError as exc:  # an editor's send of it is running (SQLite): next time
        return "skipped", f"issue {due.week} (#{issue_id}): {exc.message}"
    status, claim = after_send(rt, report)
    _note(rt, due.week, claim, run_id)
    return status, f"issue {due.week} (#{issue_id}) retried: {report.message}"


def after_send(rt: Runtime, report: SendReport) -> tuple[str, str]:
    """(run status, claim status) of a send the scheduler made: deferred rows are retried
    while `retry_deferred_hours` lasts; unconfirmed ones and a pause wait for a person."""
    if report.paused:
        return "failed", "paused"
    if report.pending > report.held_unconfirmed:  # the job's detail says what happens next
        retrying = rt.settings.schedule.retry_deferred_hours > 0
        return "deferred", DEFERRED if retrying else "held"
    if report.pending:  # only unconfirmed rows are left: another copy is an editor's call
        return "failed", "held"
    return "ok", "done"


def _give_up(rt: Runtime, run_id: int, week: str, issue_id: int) -> tuple[str, str]:
    from newsletter.sendlock import issue_send_lock
    from newsletter.transport import LOST_REPLY

    window = timedelta(hours=rt.settings.schedule.retry_deferred_hours)
    reason = f"gave up after {duration_label(window)} of temporary failures"
    try:
        with issue_send_lock(rt.engine, issue_id), write_session(rt.engine) as session:
            failed = deliveries.give_up_deferred(
                issue_id, reason, keep_reply=LOST_REPLY, session=session
            )
            left = deliveries.count_pending(issue_id, session=session)
            issue = issues.get_issue(issue_id, session=session)
            if not left and issue.status == IssueStatus.sending.value:
                issue.status = IssueStatus.sent.value
                issue.sent_at = issue.updated_at = utcnow()
                session.add(issue)
    except ConflictError as exc:
        return "skipped", f"issue {week} (#{issue_id}): {exc.message}"
    _note(rt, week, "gave_up", run_id)
    detail = f"issue {week} (#{issue_id}): {reason}: {failed} deliveries failed"
    if left:
        detail += (
            f", {left} still pending (unconfirmed or being sent: `kil issue send {issue_id}` "
            "sends them, and they may get it twice)"
        )
    logger.warning("retry %s", detail)
    return "failed", detail


def _note(rt: Runtime, week: str, status: str, run_id: int) -> None:
    with write_session(rt.engine) as session:
        job_runs.note_claim_run("send", week, status, run_id, session=session)
