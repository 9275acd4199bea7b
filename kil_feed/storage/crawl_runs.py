"""Queries on crawl runs: one row per source per crawl."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.models import CrawlRun
from kil_feed.timeutil import utcnow


def start_run(source_id: int, *, session: Session) -> CrawlRun:
    run = CrawlRun(source_id=source_id)
    session.add(run)
    session.flush()
    return run


def start_runs(source_ids: Sequence[int], *, session: Session) -> list[int]:
    """Ids of one new run per source, in order, inserted in one statement (1,000 feeds)."""
    if not source_ids:
        return []
    now = utcnow()
    counts = {"items_new": 0, "items_updated": 0, "items_duplicate": 0, "items_dropped": 0}
    rows = [{"source_id": sid, "started_at": now, **counts} for sid in source_ids]
    result = session.execute(
        sa.insert(CrawlRun).returning(col(CrawlRun.id), sort_by_parameter_order=True), rows
    )
    return [int(run_id) for run_id in result.scalars().all()]


def latest_runs(*, session: Session, limit: int = 50) -> Sequence[CrawlRun]:
    return session.exec(
        select(CrawlRun).order_by(col(CrawlRun.started_at).desc()).limit(limit)
    ).all()


def get_runs(run_ids: Sequence[int], *, session: Session) -> list[CrawlRun]:
    if not run_ids:
        return []
    return list(session.exec(select(CrawlRun).where(col(CrawlRun.id).in_(list(run_ids)))).all())


def finish_run(
    run: CrawlRun,
    *,
    session: Session,
    new: int = 0,
    updated: int = 0,
    duplicate: int = 0,
    dropped: int = 0,
    http_status: int | None = None,
    error: str | None = None,
) -> CrawlRun:
    """Close a crawl run with its counts (adds to counts already written by batches)."""
    run.items_new += new
    run.items_updated += updated
    run.items_duplicate += duplicate
    run.items_dropped += dropped
    if http_status is not None:
        run.http_status = http_status
    if error:
        run.error = (error if not run.error else f"{run.error}; {error}")[:4000]
    run.finished_at = utcnow()
    session.add(run)
    return run


def runs_for_source(source_id: int, *, session: Session, limit: int = 10) -> Sequence[CrawlRun]:
    return session.exec(
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id)
        .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc())
        .limit(limit)
    ).all()
