"""Queries on crawl runs: one row per source per crawl."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from kil_feed.models import CrawlRun


def start_run(source_id: int, *, session: Session) -> CrawlRun:
    run = CrawlRun(source_id=source_id)
    session.add(run)
    session.flush()
    return run


def latest_runs(*, session: Session, limit: int = 50) -> Sequence[CrawlRun]:
    return session.exec(
        select(CrawlRun).order_by(col(CrawlRun.started_at).desc()).limit(limit)
    ).all()
