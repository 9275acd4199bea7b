"""Exactly one scheduler acts at a time: a leader lock in the database.

PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the
server the moment that connection or process dies). SQLite: a row in `scheduler_lock`
with an expiry the leader keeps pushing forward; a stand-by takes over once it lapses.
Both also keep the row up to date so a stand-by can say who leads.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kil_feed.db import is_sqlite, read_session, write_session
from kil_feed.models import SchedulerLock
from kil_feed.storage import leader

logger = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
# pg_advisory_lock key: a fixed 63-bit number that stands for "kil-feed scheduler".
ADVISORY_KEY = 0x6B696C5F7363686D


class LeaderLock(Protocol):
    owner: str

    def try_acquire(self) -> bool: ...

    def refresh(self) -> bool: ...

    def release(self) -> None: ...


class RowLock:
    """SQLite: the `scheduler_lock` row, with a heartbeat and an expiry."""

    def __init__(self, engine: Engine, owner: str, ttl_seconds: float) -> None:
        self.engine = engine
        self.owner = owner
        self.ttl = ttl_seconds

    def try_acquire(self) -> bool:
        with write_session(self.engine) as session:
            return leader.try_take_lock(LOCK_NAME, self.owner, self.ttl, session=session)

    def refresh(self) -> bool:
        try:
            with write_session(self.engine) as session:
                return leader.renew_lock(LOCK_NAME, self.owner, self.ttl, session=session)
        except sa.exc.OperationalError:
            logger.warning("could not renew the scheduler lock", exc_info=True)
            return False

    def release(self) -> None:
        with contextlib.suppress(sa.exc.OperationalError), write_session(self.engine) as session:
            leader.drop_lock(LOCK_NAME, self.owner, session=session)


class AdvisoryLock:
    """PostgreSQL: `pg_try_advisory_lock` on a connection kept for as long as we lead."""

    def __init__(self, engine: Engine, owner: str) -> None:
        self.engine = engine
        self.owner = owner
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.refresh()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
        if not got.scalar():
            conn.close()
            return False
        self._conn = conn
        self._note()
        return True

    def refresh(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = self._conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objid = (:k & 4294967295)::oid"
                ),
                {"k": ADVISORY_KEY},
            ).scalar()
        except sa.exc.DBAPIError:
            logger.warning("lost the connection that holds the scheduler lock", exc_info=True)
            self._drop_conn()
            return False
        if not held:
            self._drop_conn()
            return False
        self._note()
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(sa.exc.DBAPIError):
            self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
        with contextlib.suppress(sa.exc.DBAPIError), write_session(self.engine) as session:
            leader.drop_lock(LOCK_NAME, self.owner, session=session)
        self._drop_conn()

    def _note(self) -> None:
        with contextlib.suppress(sa.exc.DBAPIError), write_session(self.engine) as session:
            leader.note_holder(LOCK_NAME, self.owner, session=session)

    def _drop_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self._conn.close()
            self._conn = None


def make_leader_lock(engine: Engine, owner: str, ttl_seconds: float) -> LeaderLock:
    if is_sqlite(engine):
        return RowLock(engine, owner, ttl_seconds)
    return AdvisoryLock(engine, owner)


def current_holder(engine: Engine) -> SchedulerLock | None:
    """Who leads (or last led), for the stand-by's message and `kil status`."""
    with read_session(engine) as session:
        return leader.lock_holder(LOCK_NAME, session=session)
