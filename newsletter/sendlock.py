"""On SQLite, one sender per issue at a time, with a lock the operating system frees when
the process dies (so a killed send never leaves a stale lock behind): an exclusive `flock`
on a file next to the database.

PostgreSQL needs no such lock: any number of senders share the ledger through leased rows
(`newsletter.workers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import Engine

from kil_feed.errors import ConflictError


@contextlib.contextmanager
def issue_send_lock(engine: Engine, issue_id: int) -> Iterator[None]:
    """Hold the send lock of an issue; ConflictError if another send of it is running."""
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
            raise ConflictError(
                f"issue {issue_id} is being sent by another process; on SQLite one process "
                "sends an issue",
                hint="wait for it to finish (a crashed send frees its lock by itself), or use "
                "PostgreSQL to send from several processes at once",
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
