"""Queries on the delivery ledger: one row per (issue, subscriber)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from kil_feed.models import Delivery


def delivery_counts(issue_id: int, *, session: Session) -> dict[str, int]:
    """Number of deliveries of an issue by status."""
    rows = session.exec(
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    ).all()
    return {status: count for status, count in rows}
