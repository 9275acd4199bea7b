"""Queries the scheduler runs on its own: which sources are due, expiring closed jobs,
pruning old crawl runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from kil_feed.models import CrawlRun, Item, ItemKind, ItemStatus, Source
from kil_feed.timeutil import as_utc

EXPIRED_RULE = "housekeeping"


def due_sources(
    now: datetime, default_interval_minutes: int, *, session: Session, slack: float = 0.1
) -> list[str]:
    """Names of enabled sources whose interval has passed since their last crawl.

    A crawl ends some seconds after the tick that started it, so a source crawled every
    tick would otherwise be skipped every other tick: `slack` (a fraction of the interval,
    at most five minutes) forgives that.
    """
    names: list[str] = []
    for source in session.exec(select(Source).where(col(Source.enabled)).order_by(Source.name)):
        last = as_utc(source.last_crawled_at)
        if last is None:
            names.append(source.name)
            continue
        minutes = source.interval_minutes or default_interval_minutes
        interval = timedelta(minutes=minutes)
        forgive = min(interval * slack, timedelta(minutes=5))
        if now - last >= interval - forgive:
            names.append(source.name)
    return names


def expire_closed_jobs(now: datetime, *, session: Session) -> int:
    """Pending jobs whose closing date has passed leave the review queue (rejected, 'closed').

    Approved ones stay approved: the archive and the jobs board show them as closed.
    """
    items = session.exec(
        select(Item).where(
            Item.kind == ItemKind.job.value,
            Item.status == ItemStatus.pending.value,
            col(Item.closes_at).is_not(None),
            col(Item.closes_at) < now,
        )
    ).all()
    for item in items:
        item.status = ItemStatus.rejected.value
        item.reject_reason = "closed: past its closing date"
        item.rule = EXPIRED_RULE
        item.reviewed_at = now
        item.updated_at = now
        session.add(item)
    return len(items)


def prune_crawl_runs(before: datetime, *, session: Session) -> int:
    result = session.exec(delete(CrawlRun).where(col(CrawlRun.started_at) < before))  # type: ignore[call-overload]
    return int(result.rowcount or 0)
