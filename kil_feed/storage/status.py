"""Counts for `kil status`: items by status and kind, the draft issue and its size."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from kil_feed.models import Issue, IssueItem, IssueStatus, Item


def item_counts(start: datetime, end: datetime, *, session: Session) -> list[tuple[str, str, int]]:
    """(status, kind, count) of items collected in [start, end)."""
    rows = session.exec(
        select(Item.status, Item.kind, func.count())
        .where(col(Item.collected_at) >= start, col(Item.collected_at) < end)
        .group_by(Item.status, Item.kind)
    ).all()
    return [(status, kind, int(count)) for status, kind, count in rows]


def current_draft(*, session: Session) -> Issue | None:
    """The newest issue still in draft, if any."""
    return session.exec(
        select(Issue)
        .where(Issue.status == IssueStatus.draft.value)
        .order_by(col(Issue.week).desc())
    ).first()


def issue_sections(issue_id: int, *, session: Session) -> dict[str, int]:
    """Number of items in each section of an issue."""
    rows = session.exec(
        select(IssueItem.section, func.count())
        .where(IssueItem.issue_id == issue_id)
        .group_by(IssueItem.section)
    ).all()
    return {section: int(count) for section, count in rows}
