"""Queries on the scheduler's run log and its once-per-ISO-week claims.

The claim is the guard against sending one week twice: a row per (job, week) under a
primary key, inserted in its own transaction before acting. Two schedulers, a restart or
a clock set back cannot both insert it; the loser sees `False` and does nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from kil_feed.models import JobRun, JobWeekClaim
from kil_feed.timeutil import utcnow


def start_job_run(
    job: str, *, session: Session, owner: str = "", scheduled_for: datetime | None = None
) -> JobRun:
    run = JobRun(job=job, owner=owner, scheduled_for=scheduled_for)
    session.add(run)
    session.flush()
    return run


def finish_job_run(
    run_id: int, job: str, status: str, detail: str = "", *, session: Session
) -> JobRun:
    run = session.get(JobRun, run_id)
    if run is None:  # pruned while it ran (keep_job_runs_days = 0): record it afresh
        run = JobRun(id=run_id, job=job)
    run.status = status
    run.detail = detail[:4000]
    run.finished_at = utcnow()
    session.add(run)
    session.flush()
    return run


def record_missed(
    job: str, scheduled_for: datetime, *, session: Session, owner: str = "", detail: str = ""
) -> JobRun:
    """A run the scheduler skipped because it was later than the misfire grace time."""
    now = utcnow()
    run = JobRun(
        job=job,
        status="missed",
        detail=detail,
        owner=owner,
        scheduled_for=scheduled_for,
        started_at=now,
        finished_at=now,
    )
    session.add(run)
    session.flush()
    return run


def recent_job_runs(
    *, session: Session, limit: int = 20, job: str | None = None
) -> Sequence[JobRun]:
    query = select(JobRun).order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
    if job:
        query = query.where(JobRun.job == job)
    return session.exec(query.limit(limit)).all()


def prune_job_runs(before: datetime, *, session: Session) -> int:
    result = session.exec(delete(JobRun).where(col(JobRun.started_at) < before))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def claim_week(
    job: str, week: str, *, session: Session, owner: str = "", job_run_id: int | None = None
) -> bool:
    """Insert the (job, week) claim; False if it already exists. Commit it before acting."""
    try:
        with session.begin_nested():
            session.add(JobWeekClaim(job=job, week=week, owner=owner, job_run_id=job_run_id))
            session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def get_claim(job: str, week: str, *, session: Session) -> JobWeekClaim | None:
    return session.get(JobWeekClaim, (job, week))


def set_claim_status(job: str, week: str, status: str, *, session: Session) -> None:
    claim = session.get(JobWeekClaim, (job, week))
    if claim is not None:
        claim.status = status
        session.add(claim)


def claims_with_status(job: str, status: str, *, session: Session) -> Sequence[JobWeekClaim]:
    """The claims of `job` in `status` (the sends left with deferred rows), oldest first."""
    return session.exec(
        select(JobWeekClaim)
        .where(JobWeekClaim.job == job, JobWeekClaim.status == status)
        .order_by(col(JobWeekClaim.claimed_at))
    ).all()


def note_claim_run(job: str, week: str, status: str, job_run_id: int, *, session: Session) -> None:
    """The latest run acting under a claim (the scheduler's retries) and where it left it."""
    claim = session.get(JobWeekClaim, (job, week))
    if claim is not None:
        claim.status = status
        claim.job_run_id = job_run_id
        session.add(claim)


def release_claim(job: str, week: str, *, session: Session) -> None:
    """Give a claim back when nothing was done under it (nothing to send after all)."""
    session.exec(  # type: ignore[call-overload]
        delete(JobWeekClaim).where(col(JobWeekClaim.job) == job, col(JobWeekClaim.week) == week)
    )


def stale_before(days: int) -> datetime:
    return utcnow() - timedelta(days=days)


_JOBSTORE = sa.table("apscheduler_jobs", sa.column("id"), sa.column("next_run_time"))


def stored_next_runs(*, session: Session) -> dict[str, float | None]:
    """APScheduler's stored next run times (epoch seconds) by job id; empty before any run."""
    try:
        with session.begin_nested():
            rows = session.execute(sa.select(_JOBSTORE.c.id, _JOBSTORE.c.next_run_time)).all()
    except sa.exc.OperationalError:  # the table is made by migration 0006
        return {}
    except sa.exc.ProgrammingError:
        return {}
    return {str(r[0]): (float(r[1]) if r[1] is not None else None) for r in rows}
