"""One sender per issue at a time, with a lock the operating system or database frees when
the process dies (so a killed send never leaves a stale lock behind).

SQLite: an exclusive `flock` on a file next to the database. PostgreSQL: a session advisory
lock held on a dedicated connection.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.errors import ConflictError

logger = logging.getLogger(__name__)
_PG_LOCK_SPACE = 0x6B696C  # "kil": keeps our advisory keys apart from other users'


@contextlib.contextmanager
def issue_send_lock(engine: Engine, issue_id: int) -> Iterator[None]:
    """Hold the send lock of an issue; ConflictError if another send of it is running."""
    busy = ConflictError(
        f"issue {issue_id} is being sent by another process",
        hint="wait for it to finish; a crashed send frees its lock by itself",
    )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(
                sa.text("SELECT pg_try_advisory_lock(:space, :key)"),
                {"space": _PG_LOCK_SPACE, "key": issue_id},
            ).scalar()
            conn.commit()
            if not got:
                raise busy
            try:
                yield
            finally:
                conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:space, :key)"),
                    {"space": _PG_LOCK_SPACE, "key": issue_id},
                )
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.issue-{issue_id}.send.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
