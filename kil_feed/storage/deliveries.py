"""Queries on the delivery ledger: one row per (issue, subscriber).

The ledger is what makes a send exactly-once: rows are created for the whole audience
before the first message goes out, and a row becomes `sent` only after the server accepted
that message. Updates are issued as `executemany` so the sender can group-commit them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from kil_feed.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from kil_feed.timeutil import utcnow

_delivery = Delivery.__table__  # type: ignore[attr-defined]
_subscriber = Subscriber.__table__  # type: ignore[attr-defined]
# PostgreSQL: the lease holder of rows deferred for the next run (`storage.leases`); a
# sender's own name has colons (host:pid:x)
DEFERRED = "deferred"


def delivery_counts(issue_id: int, *, session: Session) -> dict[str, int]:
    """Number of deliveries of an issue by status."""
    rows = session.exec(
        select(Delivery.status, func.count())
        .where(Delivery.issue_id == issue_id)
        .group_by(Delivery.status)
    ).all()
    return {status: count for status, count in rows}


def all_delivery_counts(*, session: Session) -> dict[int, dict[str, int]]:
    """Delivery counts by status for every issue that has a ledger."""
    rows = session.exec(
        select(Delivery.issue_id, Delivery.status, func.count()).group_by(
            Delivery.issue_id, Delivery.status
        )
    ).all()
    out: dict[int, dict[str, int]] = {}
    for issue_id, status, count in rows:
        out.setdefault(issue_id, {})[status] = count
    return out


def create_deliveries(issue_id: int, *, session: Session) -> int:
    """A pending row for every confirmed subscriber without one yet; returns rows added."""
    now = utcnow()
    existing = select(Delivery.subscriber_id).where(Delivery.issue_id == issue_id)
    audience = sa.select(
        sa.literal(issue_id),
        _subscriber.c.id,
        sa.literal(DeliveryStatus.pending.value),
        sa.literal(0),
        sa.literal(now, type_=_delivery.c.created_at.type),
        sa.literal(now, type_=_delivery.c.updated_at.type),
    ).where(
        _subscriber.c.status == SubscriberStatus.confirmed.value,
        _subscriber.c.id.not_in(existing),
    )
    result = session.execute(
        sa.insert(_delivery).from_select(
            ["issue_id", "subscriber_id", "status", "attempts", "created_at", "updated_at"],
            audience,
        )
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class PendingDelivery:
    """A ledger row still to send, with what the sender needs to know of its subscriber."""

    delivery_id: int
    subscriber_id: int
    email: str
    name: str
    status: str
    regions: tuple[str, ...]
    topics: tuple[str, ...]
    attempts: int
    last_reply: str = ""  # what the server said to an earlier try (a lost reply, a 4xx)


def pending_delivery(row: Sequence[object]) -> PendingDelivery:
    """A `PendingDelivery` from (delivery id, subscriber id, email, name, status, regions,
    topics, attempts, smtp_reply), the columns every query of rows to send selects."""
    did, sid, email, name, status, regions, topics, attempts, reply = row
    return PendingDelivery(
        did, sid, email, name or "", status,  # type: ignore[arg-type]
        tuple(regions or ()), tuple(topics or ()), attempts, reply or "",  # type: ignore[arg-type]
    )  # fmt: skip


def pending_deliveries(issue_id: int, *, session: Session) -> list[PendingDelivery]:
    """Rows not yet sent (pending, or `sending` left behind by a crash), in id order."""
    rows = session.execute(
        sa.select(
            _delivery.c.id,
            _subscriber.c.id,
            _subscriber.c.email,
            _subscriber.c.name,
            _subscriber.c.status,
            _subscriber.c.regions,
            _subscriber.c.topics,
            _delivery.c.attempts,
            _delivery.c.smtp_reply,
        )
        .join(_subscriber, _subscriber.c.id == _delivery.c.subscriber_id)
        .where(
            _delivery.c.issue_id == issue_id,
            _delivery.c.status.in_([DeliveryStatus.pending.value, DeliveryStatus.sending.value]),
        )
        .order_by(_delivery.c.id)
    ).all()
    return [pending_delivery(r) for r in rows]


def count_pending(issue_id: int, *, session: Session) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.issue_id == issue_id,
                col(Delivery.status).in_(
                    [DeliveryStatus.pending.value, DeliveryStatus.sending.value]
                ),
            )
        ).one()
    )


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery in this run (written to the ledger in a batch)."""

    delivery_id: int
    status: str  # sent, failed, or pending (deferred: still to send)
    attempts: int
    message_id: str | None
    code: int | None
    reply: str
    at: datetime


@functools.cache
def _outcome_update() -> sa.Update:
    """The UPDATE for `record_outcomes`, built once (SQLAlchemy then reuses its compilation)."""
    return (
        sa.update(_delivery)
        .where(_delivery.c.id == sa.bindparam("b_id"))
        .values(
            status=sa.bindparam("b_status"),
            attempts=_delivery.c.attempts + sa.bindparam("b_attempts"),
            message_id=sa.bindparam("b_message_id"),
            smtp_code=sa.bindparam("b_code"),
            smtp_reply=sa.bindparam("b_reply"),
            updated_at=sa.bindparam("b_at", type_=_delivery.c.updated_at.type),
            sent_at=sa.bindparam("b_sent_at", type_=_delivery.c.sent_at.type),
        )
    )


# the rows are locked in id order first (`locked`), as every statement that waits for
# delivery rows does: two senders' commits of overlapping rows (a lease taken over after it
# expired) cannot deadlock
_PG_OUTCOMES = sa.text(
    "WITH locked AS MATERIALIZED (SELECT id FROM delivery "
    "WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id FOR UPDATE) "
    "UPDATE delivery AS d SET status = v.status, attempts = d.attempts + v.attempts, "
    "message_id = v.message_id, smtp_code = v.code, smtp_reply = v.reply, "
    "updated_at = v.at, sent_at = v.sent_at "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:attempts AS int[]), "
    "CAST(:mids AS text[]), CAST(:codes AS int[]), CAST(:replies AS text[]), "
    "CAST(:ats AS timestamptz[]), CAST(:sents AS timestamptz[])) "
    "AS v(id, status, attempts, message_id, code, reply, at, sent_at), locked "
    "WHERE d.id = v.id AND d.id = locked.id"
)


def record_outcomes(outcomes: Sequence[Outcome], *, session: Session | Connection) -> None:
    """Write a batch of outcomes; sent rows get `sent_at`. On PostgreSQL one UPDATE from
    arrays (one round trip, and a transaction by itself on an autocommit connection),
    elsewhere one executemany.

    Takes a Core connection as well as a session: the sender keeps one connection open
    for its group commits (a session per commit costs more than the commit).
    """
    if not outcomes:
        return
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        sent = DeliveryStatus.sent.value
        session.execute(
            _PG_OUTCOMES,
            {
                "ids": [o.delivery_id for o in outcomes],
                "statuses": [o.status for o in outcomes],
                "attempts": [o.attempts for o in outcomes],
                "mids": [o.message_id for o in outcomes],
                "codes": [o.code for o in outcomes],
                "replies": [o.reply[:1000] for o in outcomes],
                "ats": [o.at for o in outcomes],
                "sents": [o.at if o.status == sent else None for o in outcomes],
            },
        )
        return
    stmt = _outcome_update()
    session.execute(
        stmt,
        [
            {
                "b_id": o.delivery_id,
                "b_status": o.status,
                "b_attempts": o.attempts,
                "b_message_id": o.message_id,
                "b_code": o.code,
                "b_reply": o.reply[:1000],
                "b_at": o.at,
                "b_sent_at": o.at if o.status == DeliveryStatus.sent.value else None,
            }
            for o in outcomes
        ],
    )


def mark_bounced(subscriber_ids: Iterable[int], *, session: Session | Connection) -> None:
    """Subscribers whose address the server refused for good (5.1.x) stop receiving mail."""
    ids = sorted(set(subscriber_ids))
    if not ids:
        return
    now = utcnow()
    session.execute(
        sa.update(_subscriber)
        .where(
            _subscriber.c.id.in_(ids),
            _subscriber.c.status == SubscriberStatus.confirmed.value,
        )
        .values(status=SubscriberStatus.bounced.value, bounced_at=now, updated_at=now)
    )


def deliveries_for_issue(issue_id: int, *, session: Session) -> Sequence[Delivery]:
    return session.exec(
        select(Delivery).where(Delivery.issue_id == issue_id).order_by(col(Delivery.id))
    ).all()


def give_up_deferred(issue_id: int, reason: str, *, keep_reply: str, session: Session) -> int:
    """Fail the unsent rows of an issue that retries could not deliver: their reply becomes
    `reason: <last code and reply>`. Rows whose last reply starts with `keep_reply` (a copy that may
    have arrived) stay pending for an editor, and so do rows a live sender holds. Returns
    how many failed. The rows are locked in id order first, as every sender locks them."""
    now = utcnow()
    unsent = [DeliveryStatus.pending.value, DeliveryStatus.sending.value]
    lease_free = sa.or_(
        _delivery.c.lease_owner.is_(None),
        _delivery.c.lease_owner == DEFERRED,
        _delivery.c.lease_expires_at <= now,
    )
    ids = (
        session.execute(
            sa.select(_delivery.c.id)
            .where(
                _delivery.c.issue_id == issue_id,
                _delivery.c.status.in_(unsent),
                sa.func.coalesce(_delivery.c.smtp_reply, "").not_like(f"{keep_reply}%"),
                lease_free,
            )
            .order_by(_delivery.c.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    if ids:
        session.execute(
            sa.update(_delivery)
            .where(_delivery.c.id.in_(ids))
            .values(
                status=DeliveryStatus.failed.value,
                smtp_reply=sa.func.substr(
                    sa.literal(f"{reason}: ")
                    + sa.func.coalesce(sa.cast(_delivery.c.smtp_code, sa.String) + " ", "")
                    + sa.func.coalesce(_delivery.c.smtp_reply, ""),
                    1,
                    1000,
                ),
                lease_owner=None,
                lease_expires_at=None,
                updated_at=now,
            )
        )
    return len(ids)
