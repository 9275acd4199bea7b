"""Market pulse snapshots: written once per issue and region set, then only read.

The first sender to reach a region set stores it; another sender (PostgreSQL send
workers) racing it loses quietly (`ON CONFLICT DO NOTHING`) and reads the winner's row,
so every reader of an issue gets the same figures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from kil_feed.models import MarketSnapshot
from kil_feed.timeutil import utcnow


def find_snapshot(issue_id: int, region_key: str, *, session: Session) -> MarketSnapshot | None:
    return session.exec(
        select(MarketSnapshot).where(
            MarketSnapshot.issue_id == issue_id, MarketSnapshot.region_key == region_key
        )
    ).first()


def issue_snapshots(issue_id: int, *, session: Session) -> dict[str, MarketSnapshot]:
    """Every stored snapshot of an issue, by region key."""
    rows = session.exec(
        select(MarketSnapshot)
        .where(MarketSnapshot.issue_id == issue_id)
        .order_by(col(MarketSnapshot.region_key))
    )
    return {row.region_key: row for row in rows}


def keep_snapshot(
    issue_id: int, region_key: str, figures: dict[str, Any], png: bytes, *, session: Session
) -> MarketSnapshot:
    """Store the snapshot unless one is there already; the stored one either way."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"issue_id": issue_id, "region_key": region_key, "figures": figures, "png": png,
              "created_at": utcnow()}  # fmt: skip
    statement = dialect.insert(MarketSnapshot).values(**values)
    session.execute(statement.on_conflict_do_nothing(index_elements=["issue_id", "region_key"]))
    stored = find_snapshot(issue_id, region_key, session=session)
    assert stored is not None  # just written, or written by the sender that won
    return stored
