"""On SQLite, one sender per issue at a time, with a lock the operating system frees when
the process dies (so a killed send never leaves a stale lock behind): an exclusive `flock`
on a file next to the database. The holder writes who it is into the file (pid, host, since
when, its command), so a second sender can tell the editor who is sending instead of a bare
refusal.

PostgreSQL needs no such lock: any number of senders share the ledger through leased rows
(`newsletter.workers`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from kil_feed.errors import BusyError
from kil_feed.timeutil import as_utc, duration_label, human_time, utcnow

COMMAND_CHARS = 120  # of the holder's command line, in the lock file and the message


@dataclass(frozen=True)
class SendHolder:
    """The process holding an issue's send lock, as it wrote itself into the lock file."""

    pid: int
    host: str
    since: datetime
    command: str

    def describe(self, now: datetime | None = None) -> str:
        """`pid 4242 on relay-1 (`kil issue send 2`), since today 14:02 UTC (3 min ago)`."""
        now = now or utcnow()
        ago = duration_label(max(now - self.since, timedelta(0)))
        command = f" (`{self.command}`)" if self.command else ""
        return (
            f"pid {self.pid} on {self.host}{command}, since "
            f"{human_time(self.since, now=now)} UTC ({ago} ago)"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"since": self.since.isoformat()}


def _command() -> str:
    """This process's command line as the editor typed it (`kil issue send 2`)."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "kil"
    if name in {"__main__.py", "-m", "-c", ""}:
        name = "kil"
    return " ".join([name, *sys.argv[1:]])[:COMMAND_CHARS]


def _read_holder(path: Path) -> SendHolder | None:
    """Who wrote the lock file; None when it is empty (the holder has only just taken the
    lock) or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
        if not isinstance(data, dict):
            return None
        since = as_utc(datetime.fromisoformat(str(data["since"])))
        return SendHolder(int(data["pid"]), str(data["host"]), since, str(data["command"]))  # type: ignore[arg-type]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def busy_error(issue_id: int, holder: SendHolder | None) -> BusyError:
    """The refusal of a second send of an issue, naming the process that holds it."""
    who = f": {holder.describe()}" if holder is not None else ""
    error = BusyError(
        f"issue {issue_id} is already being sent by another process{who}; on SQLite one "
        "process sends an issue",
        hint=f"wait for it to finish, then run `kil issue send {issue_id}` again to send what "
        "it left (a crashed send frees its lock by itself), or use PostgreSQL to send from "
        "several processes at once",
    )
    error.details = {"sender": holder.as_dict() if holder is not None else None}
    return error


def _lock_path(engine: Engine, issue_id: int) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{database}.issue-{issue_id}.send.lock")


@contextlib.contextmanager
def issue_send_lock(engine: Engine, issue_id: int) -> Iterator[None]:
    """Hold the send lock of an issue; BusyError (naming the holder) if another send of it
    is running."""
    path = _lock_path(engine, issue_id)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy_error(issue_id, _read_holder(path)) from None
        me = SendHolder(os.getpid(), socket.gethostname(), utcnow(), _command())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me.as_dict()).encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it now: no stale name for the next reader
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def check_not_busy(engine: Engine, issue_id: int) -> None:
    """BusyError now if another process is sending the issue (SQLite), so a send says so
    before its first line claims it is sending; the send itself still takes the lock."""
    with issue_send_lock(engine, issue_id):
        pass
