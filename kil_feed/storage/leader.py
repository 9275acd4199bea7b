"""The leader-lock row: the lock itself on SQLite, a note of who leads on PostgreSQL.

On SQLite the row is taken in a `BEGIN IMMEDIATE` transaction (see `db.write_session`),
so two schedulers cannot both see it free; the holder renews `expires_at` while it lives.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete

from kil_feed.models import SchedulerLock
from kil_feed.timeutil import utcnow


def try_take_lock(name: str, owner: str, ttl_seconds: float, *, session: Session) -> bool:
    """Take the lock if free, expired or already ours; True if we hold it now."""
    now = utcnow()
    row = session.get(SchedulerLock, name)
    expires = now + timedelta(seconds=ttl_seconds)
    if row is None:
        session.add(
            SchedulerLock(
                name=name, owner=owner, acquired_at=now, heartbeat_at=now, expires_at=expires
            )
        )
        session.flush()
        return True
    if row.owner != owner and row.expires_at > now:
        return False
    if row.owner != owner:
        row.acquired_at = now
    row.owner = owner
    row.heartbeat_at = now
    row.expires_at = expires
    session.add(row)
    session.flush()
    return True


def renew_lock(name: str, owner: str, ttl_seconds: float, *, session: Session) -> bool:
    """Push our expiry forward; False if someone else holds the row now."""
    row = session.get(SchedulerLock, name)
    if row is None or row.owner != owner:
        return False
    now = utcnow()
    row.heartbeat_at = now
    row.expires_at = now + timedelta(seconds=ttl_seconds)
    session.add(row)
    return True


def note_holder(name: str, owner: str, *, session: Session) -> None:
    """Record who holds a lock kept elsewhere (PostgreSQL's advisory lock)."""
    now = utcnow()
    row = session.get(SchedulerLock, name)
    if row is None:
        row = SchedulerLock(name=name, owner=owner, acquired_at=now)
    elif row.owner != owner:
        row.owner = owner
        row.acquired_at = now
    row.heartbeat_at = now
    row.expires_at = now
    session.add(row)


def drop_lock(name: str, owner: str, *, session: Session) -> None:
    session.exec(  # type: ignore[call-overload]
        delete(SchedulerLock).where(
            col(SchedulerLock.name) == name, col(SchedulerLock.owner) == owner
        )
    )


def lock_holder(name: str, *, session: Session) -> SchedulerLock | None:
    return session.get(SchedulerLock, name)
