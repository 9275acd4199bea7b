"""Queries on crawl runs: one row per source per crawl."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.models import CrawlRun
from kil_feed.storage.bulk import insert_with_ids, typed_param
from kil_feed.timeutil import utcnow


def start_runs(source_ids: Sequence[int], *, session: Session) -> list[int]:
    """Ids of one new run per source, in order, inserted in one statement (1,000 feeds)."""
    if not source_ids:
        return []
    now = utcnow()
    counts = {"items_new": 0, "items_updated": 0, "items_duplicate": 0, "items_dropped": 0}
    rows = [{"source_id": sid, "started_at": now, **counts} for sid in source_ids]
    return insert_with_ids(CrawlRun.__table__, rows, session=session)  # type: ignore[attr-defined]


def latest_runs(*, session: Session, limit: int = 50) -> Sequence[CrawlRun]:
    return session.exec(
        select(CrawlRun).order_by(col(CrawlRun.started_at).desc()).limit(limit)
    ).all()


def get_runs(run_ids: Sequence[int], *, session: Session) -> list[CrawlRun]:
    if not run_ids:
        return []
    return list(session.exec(select(CrawlRun).where(col(CrawlRun.id).in_(list(run_ids)))).all())


@dataclass(frozen=True)
class RunResult:
    """What one source's crawl run counted; added to what the run already has."""

    run_id: int
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    dropped: int = 0
    http_status: int | None = None
    error: str | None = None
    answered: bool = True  # False: counts of a run still open (a crawl worker's share)


def finish_runs(results: Sequence[RunResult], *, session: Session) -> None:
    """Close runs in one UPDATE: counts are added to what a run has, the HTTP status kept
    unless a new one came, an error appended to an earlier one (at most 4,000 characters)."""
    if not results:
        return
    error = typed_param("b_error", sa.String)
    status = typed_param("b_status", sa.Integer)
    joined = sa.case((col(CrawlRun.error).is_(None), error), else_=CrawlRun.error + "; " + error)
    statement = (
        sa.update(CrawlRun)
        .where(col(CrawlRun.id) == sa.bindparam("b_id"))
        .values(
            items_new=col(CrawlRun.items_new) + typed_param("b_new", sa.Integer),
            items_updated=col(CrawlRun.items_updated) + typed_param("b_upd", sa.Integer),
            items_duplicate=col(CrawlRun.items_duplicate) + typed_param("b_dup", sa.Integer),
            items_dropped=col(CrawlRun.items_dropped) + typed_param("b_drop", sa.Integer),
            http_status=sa.func.coalesce(status, CrawlRun.http_status),
            error=sa.case((error.is_(None), CrawlRun.error), else_=sa.func.substr(joined, 1, 4000)),
            finished_at=sa.case(
                (typed_param("b_answered", sa.Boolean), utcnow()), else_=CrawlRun.finished_at
            ),
        )
    )
    # Core executemany: an ORM bulk UPDATE would allow no WHERE of our own
    session.connection().execute(
        statement,
        [{"b_id": r.run_id, "b_new": r.new, "b_upd": r.updated, "b_dup": r.duplicate,
          "b_drop": r.dropped, "b_status": r.http_status, "b_error": r.error,
          "b_answered": r.answered}
         for r in results],
    )  # fmt: skip


def runs_for_source(source_id: int, *, session: Session, limit: int = 10) -> Sequence[CrawlRun]:
    return session.exec(
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id)
        .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc())
        .limit(limit)
    ).all()


def finished_runs(run_ids: Sequence[int], *, session: Session) -> int:
    """How many of `run_ids` have been closed (their source answered)."""
    if not run_ids:
        return 0
    statement = sa.select(sa.func.count()).where(
        col(CrawlRun.id).in_(list(run_ids)), col(CrawlRun.finished_at).is_not(None)
    )
    return int(session.execute(statement).scalar_one())
