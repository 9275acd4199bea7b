"""Group commit of delivery outcomes, led by whichever sender thread gets there first.

After the server's 250 a sender thread calls `GroupCommitter.record(result)`, which returns
only once that outcome is committed, so a connection never has more than one accepted but
unrecorded message. There is no writer thread to hand over to: the caller that takes the
commit lock writes every outcome queued so far in one transaction (BEGIN IMMEDIATE on
SQLite), and the others find theirs already done. With one connection that is a commit
per message; with several, commits are shared and the database sees fewer transactions.
On PostgreSQL a batch of sent outcomes is one UPDATE on an autocommit connection (one
round trip); a batch with failures, bounces or deferrals keeps its explicit transaction.

A commit here must outlive the sender (a `kill -9` right after it), not the database
server's own crash: SQLite's WAL with `synchronous=NORMAL` already works so, and on
PostgreSQL this connection sets `synchronous_commit = off`. COMMIT then returns once the
server has the change, visible to every other sender, without waiting for the disk (the
WAL writer flushes it within 3 x `wal_writer_delay`, 0.6 s by default). Only a crash of
the database server itself in that window can forget marks, so its messages go again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from kil_feed.db import writer
from kil_feed.errors import DeliveryError
from kil_feed.models import DeliveryStatus
from kil_feed.storage import deliveries as ledger
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass
class Result:
    """One delivery's outcome in this run, until it is committed (`done`)."""

    delivery_id: int
    subscriber_id: int
    status: str  # sent, failed, or pending (deferred: to be sent by a later run)
    attempts: int
    message_id: str | None
    code: int | None
    reply: str
    bounce: bool = False  # a 5.1.x answer: the address is bad
    unreachable: bool = False  # the server could not be reached at all
    unconfirmed: bool = False  # pending: the last copy lost its reply, it may have arrived
    twice: bool = False  # sent, but after a copy that lost its reply: may have arrived twice
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class GroupCommitter:
    """Writes outcomes to the ledger on one connection shared under a lock."""

    def __init__(
        self,
        engine: Engine,
        on_commit: Callable[[list[Result]], None],
        after_write: Callable[[Connection, list[Result]], None] | None = None,
    ) -> None:
        self._conn: Connection = writer(engine).connect()
        self._postgres = engine.dialect.name == "postgresql"
        if self._postgres:  # see the module docstring; RESET when the connection goes back
            self._conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn.exec_driver_sql("SET synchronous_commit = off")
            self._conn.commit()  # SQLAlchemy's own bookkeeping: no round trip in autocommit
        self._on_commit = on_commit
        self._after_write = after_write  # more writes with each batch (in its transaction)
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._queued: list[Result] = []
        self._broken: BaseException | None = None

    def record(self, result: Result) -> None:
        """Return once `result` is in the ledger (committed by this thread or another)."""
        with self._queue_lock:
            self._queued.append(result)
        with self._commit_lock:
            if result.done.is_set():
                return
            if self._broken is not None:
                raise DeliveryError(f"the delivery ledger cannot be written: {self._broken}")
            with self._queue_lock:
                batch, self._queued = self._queued, []
            try:
                self._write(batch)
            except BaseException as exc:
                self._broken = exc
                raise
            for item in batch:
                item.done.set()
            self._on_commit(batch)

    def _write(self, batch: list[Result]) -> None:
        now = utcnow()
        outcomes = [
            ledger.Outcome(r.delivery_id, r.status, r.attempts, r.message_id, r.code, r.reply, now)
            for r in batch
        ]
        if self._postgres and all(r.status == DeliveryStatus.sent.value for r in batch):
            # the common case: one statement, its own transaction (one round trip, not the
            # three of BEGIN, UPDATE, COMMIT); what `after_write` adds stands on its own
            ledger.record_outcomes(outcomes, session=self._conn)
            if self._after_write is not None:
                self._after_write(self._conn, batch)
            self._conn.commit()  # SQLAlchemy's bookkeeping only
            return
        with self._transaction():
            ledger.record_outcomes(outcomes, session=self._conn)
            ledger.mark_bounced([r.subscriber_id for r in batch if r.bounce], session=self._conn)
            if self._after_write is not None:
                self._after_write(self._conn, batch)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction (on PostgreSQL's autocommit connection, BEGIN and COMMIT said)."""
        if not self._postgres:
            with self._conn.begin():
                yield
            return
        self._conn.exec_driver_sql("BEGIN")
        try:
            yield
            self._conn.exec_driver_sql("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self._conn.exec_driver_sql("ROLLBACK")
            raise
        finally:
            self._conn.commit()  # SQLAlchemy's bookkeeping only

    def close(self) -> None:
        if self._postgres and not self._reset_durability():
            self._conn.invalidate()  # never back into the pool with the setting
        self._conn.close()

    def _reset_durability(self) -> bool:
        """The pool's next user of this connection gets the server's durability back."""
        if self._broken is not None:
            return False
        try:
            self._conn.exec_driver_sql("RESET synchronous_commit")
            self._conn.commit()
        except Exception:  # noqa: BLE001 - a broken connection is simply not reused
            return False
        return True
