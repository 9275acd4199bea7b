"""The scheduled jobs and the one entry point APScheduler calls for all of them.

Each job calls the library function its CLI command calls (`run_crawl`, `build_issue`,
`send_issue`: the runtime's `JobFunctions`) and returns `(status, detail)` for the run log.
`execute()` records every run in `job_run`, whatever happens inside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from kil_feed.db import read_session, write_session
from kil_feed.errors import KilError
from kil_feed.models import IssueStatus, JobRun
from kil_feed.scheduler import runtime as runtimes
from kil_feed.scheduler.crawljob import crawl_job
from kil_feed.scheduler.retryjob import after_send, due_retries, retry_job
from kil_feed.scheduler.runtime import Runtime
from kil_feed.storage import housekeeping, issues, job_runs
from kil_feed.timeutil import duration_label, iso_week, utcnow
from newsletter.report import SendReport

logger = logging.getLogger(__name__)

JOB_FUNC_REF = "kil_feed.scheduler.jobs:run_job"


def run_job(name: str, token: str) -> None:
    """What APScheduler calls: find this process's runtime and execute the job."""
    rt = runtimes.lookup(token)
    if rt is None:
        logger.warning("job %s fired for a scheduler that is no longer running", name)
        return
    if name == "retry" and not due_retries(rt):
        return  # a look every few minutes that finds nothing to retry: not worth a log line
    execute(rt, name)


def execute(rt: Runtime, name: str) -> JobRun:
    """Run job `name` now and log it; errors end up in the log, never in the scheduler."""
    job = JOBS[name]
    with write_session(rt.engine) as session:
        run = job_runs.start_job_run(name, owner=rt.owner, session=session)
    run_id = int(run.id)  # type: ignore[arg-type]
    logger.info("job starting job=%s run=%d", name, run_id)
    try:
        status, detail = job(rt, run_id)
    except KilError as exc:
        status, detail = "failed", str(exc)
    except Exception as exc:  # a job must never take the scheduler down
        logger.exception("job failed job=%s run=%d", name, run_id)
        status, detail = "failed", f"{type(exc).__name__}: {exc}"
    with write_session(rt.engine) as session:
        run = job_runs.finish_job_run(run_id, name, status, detail, session=session)
    log = logger.warning if status in {"failed", "timeout"} else logger.info
    log("job finished job=%s run=%d status=%s detail=%s", name, run_id, status, detail)
    return run


def _crawl(rt: Runtime, run_id: int) -> tuple[str, str]:
    return crawl_job(rt)


def _build(rt: Runtime, run_id: int) -> tuple[str, str]:
    week = iso_week(utcnow(), rt.settings.timezone)
    with read_session(rt.engine) as session:
        existing = issues.find_issue_for_week(week, session=session)
    if existing is not None and existing.status != IssueStatus.draft.value:
        return "skipped", f"issue {week} is {existing.status}: not rebuilt"
    issue = rt.functions.build(rt.engine, rt.settings)
    if issue is None:
        return "skipped", "nothing for an issue this week"
    return "ok", f"issue {issue.week} (#{issue.id}) is {issue.status}"


def _send(rt: Runtime, run_id: int) -> tuple[str, str]:
    """Send this week's issue once: approved (or any draft with auto_send), never twice."""
    settings = rt.settings
    week = iso_week(utcnow(), settings.timezone)
    with read_session(rt.engine) as session:
        issue = issues.find_issue_for_week(week, session=session)
    if issue is None and settings.schedule.auto_send:
        issue = rt.functions.build(rt.engine, settings)
    if issue is None:
        return "skipped", f"no issue for {week}"
    if issue.status == IssueStatus.sent.value:
        return "skipped", f"issue {week} was already sent"
    if issue.status == IssueStatus.draft.value and not settings.schedule.auto_send:
        return "skipped", (
            f"issue {week} is a draft: approve it (`kil issue approve`) or set auto_send"
        )
    if issue.status == IssueStatus.sending.value:
        return "skipped", f"issue {week} is part-sent: resume it with `kil issue send {issue.id}`"
    with write_session(rt.engine) as session:
        claimed = job_runs.claim_week(
            "send", week, owner=rt.owner, job_run_id=run_id, session=session
        )
    if not claimed:
        with read_session(rt.engine) as session:
            claim = job_runs.get_claim("send", week, session=session)
        by = f" by {claim.owner} at {claim.claimed_at:%Y-%m-%d %H:%M}" if claim else ""
        return "skipped", f"{week} was already sent{by} (once per ISO week)"
    if issue.status == IssueStatus.draft.value:  # auto_send: approve it as an editor would
        try:
            issue = rt.functions.approve(rt.engine, int(issue.id), settings=settings)  # type: ignore[arg-type]
        except BaseException:  # nothing was sent: give the week back
            with write_session(rt.engine) as session:
                job_runs.release_claim("send", week, session=session)
            raise
    try:
        report = rt.functions.send(rt.engine, settings, int(issue.id))  # type: ignore[arg-type]
    except BaseException:  # perhaps part-sent: the claim stays; `kil issue send` resumes
        with write_session(rt.engine) as session:
            job_runs.set_claim_status("send", week, "failed", session=session)
        raise
    status, claim = after_send(rt, report)  # paused: a person looks; deferred: retried
    with write_session(rt.engine) as session:
        job_runs.set_claim_status("send", week, claim, session=session)
    if report.paused:
        return "failed", f"issue {week} (#{issue.id}) paused: {_report(report)}"
    if status == "deferred":
        window = duration_label(timedelta(hours=settings.schedule.retry_deferred_hours))
        then = (
            f"the retry job tries them again for up to {window}"
            if claim == "deferred"
            else "retry_deferred_hours is 0: an editor resends them"
        )
        return status, f"issue {week} (#{issue.id}): {_report(report)}; {then}"
    return status, f"issue {week} (#{issue.id}): {_report(report)}"


def _report(report: SendReport) -> str:
    return report.message or (
        f"sent={report.sent} failed={report.failed} skipped={report.skipped} "
        f"pending={report.pending}"
    )


def _housekeeping(rt: Runtime, run_id: int) -> tuple[str, str]:
    now = utcnow()
    keep = rt.settings.schedule
    with write_session(rt.engine) as session:
        expired = housekeeping.expire_closed_jobs(now, session=session)
        crawl_pruned = housekeeping.prune_crawl_runs(
            now - timedelta(days=keep.keep_crawl_runs_days), session=session
        )
        runs_pruned = job_runs.prune_job_runs(
            now - timedelta(days=keep.keep_job_runs_days), session=session
        )
    rechecked = ""
    if rt.settings.newsletter.recheck_links:
        from newsletter.recheck import recheck_open_postings

        found = recheck_open_postings(rt.engine, rt.settings)
        rechecked = f", re-checked {found.checked} open postings ({found.closed} closed)"
    return "ok", (
        f"expired {expired} closed jobs, pruned {crawl_pruned} crawl runs "
        f"and {runs_pruned} job runs{rechecked}"
    )


JOBS: dict[str, Callable[[Runtime, int], tuple[str, str]]] = {
    "crawl": _crawl,
    "build": _build,
    "send": _send,
    "housekeeping": _housekeeping,
    "retry": retry_job,
}
