"""Queries for several senders of one issue on PostgreSQL: leased ledger rows, shared state.

A sender claims a batch of pending delivery rows with `SELECT ... FOR UPDATE SKIP LOCKED`
(two senders never get the same row) and stamps them with its name and a lease expiry on
the database's clock. It renews the lease while it works; a row whose lease has run out
(its sender died) is pending again for anyone. A row whose tries ran out on temporary
failures is held by `DEFERRED` instead, with no expiry: no sender of the run that deferred it
(nor a worker joining that run) takes it again, only the next run (`free_deferred`), as on
SQLite, where a run sends the rows it read once. The `send_state` row of the issue holds
what all senders must agree on: the global rate's next free slot and the error-rate pause.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from kil_feed.models import Issue, IssueStatus
from kil_feed.storage.deliveries import DEFERRED, PendingDelivery, pending_delivery

_UNSENT = "d.status IN ('pending', 'sending')"
_LEASE = "clock_timestamp() + make_interval(secs => :lease)"
_FREE = (
    f"d.lease_owner IS DISTINCT FROM '{DEFERRED}' "
    "AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= clock_timestamp())"
)

Db = Session | Connection


def lock_issue(issue_id: int, *, session: Session) -> Issue | None:
    """The issue row, locked until the transaction ends (senders starting at once queue)."""
    return session.execute(
        sa.select(Issue).where(Issue.id == issue_id).with_for_update()  # type: ignore[arg-type]
    ).scalar_one_or_none()


def open_send_state(issue_id: int, rate: float | None, *, restart: bool, session: Db) -> None:
    """Create the issue's shared state; `restart` (an editor ran the send) also lifts a
    pause and starts the error count afresh, and sets the rate every sender follows."""
    conflict = (
        "DO UPDATE SET rate = EXCLUDED.rate, attempted = 0, errors = 0, "
        "paused_reason = NULL, updated_at = EXCLUDED.updated_at"
        if restart
        else "DO NOTHING"
    )
    session.execute(
        sa.text(
            "INSERT INTO send_state (issue_id, rate, attempted, errors, updated_at) "
            f"VALUES (:issue, :rate, 0, 0, clock_timestamp()) ON CONFLICT (issue_id) {conflict}"
        ),
        {"issue": issue_id, "rate": rate},
    )


@dataclass(frozen=True)
class SharedState:
    rate: float | None
    paused_reason: str | None


def send_state(issue_id: int, *, session: Db) -> SharedState:
    row = session.execute(
        sa.text("SELECT rate, paused_reason FROM send_state WHERE issue_id = :issue"),
        {"issue": issue_id},
    ).first()
    return SharedState(row[0], row[1]) if row else SharedState(None, None)


def claim_batch(
    issue_id: int, owner: str, limit: int, lease_seconds: float, *, session: Db
) -> list[PendingDelivery]:
    """Lease up to `limit` free unsent rows (skipping rows another sender has locked)."""
    rows = session.execute(
        sa.text(
            "WITH picked AS (SELECT d.id FROM delivery d "
            f"WHERE d.issue_id = :issue AND {_UNSENT} AND {_FREE} "
            "ORDER BY d.id LIMIT :limit FOR UPDATE SKIP LOCKED) "
            f"UPDATE delivery d SET lease_owner = :owner, lease_expires_at = {_LEASE} "
            "FROM picked, subscriber s WHERE d.id = picked.id AND s.id = d.subscriber_id "
            "RETURNING d.id, s.id, s.email, s.name, s.status, s.regions, s.topics, d.attempts, "
            "d.smtp_reply"
        ),
        {"issue": issue_id, "limit": limit, "owner": owner, "lease": lease_seconds},
    ).all()
    return sorted((pending_delivery(r) for r in rows), key=lambda p: p.delivery_id)


def renew_leases(issue_id: int, owner: str, lease_seconds: float, *, session: Db) -> int:
    """Push the expiry of every unsent row we hold forward; returns how many.

    A row locked by a commit in progress (our ledger writer's, on its own connection) is
    skipped, not waited on: it is renewed next time, well within the lease. Waiting, the
    heartbeat and that commit locked the same rows in different orders, and PostgreSQL
    broke the deadlock by failing one of them (a sender then exited with an error)."""
    result = session.execute(
        sa.text(
            "WITH mine AS MATERIALIZED (SELECT d.id FROM delivery d "
            f"WHERE d.issue_id = :issue AND d.lease_owner = :owner AND {_UNSENT} "
            "ORDER BY d.id FOR UPDATE SKIP LOCKED) "
            f"UPDATE delivery d SET lease_expires_at = {_LEASE} FROM mine WHERE d.id = mine.id"
        ),
        {"issue": issue_id, "owner": owner, "lease": lease_seconds},
    )
    return int(result.rowcount or 0)


def release_leases(
    issue_id: int, owner: str, *, session: Db, ids: list[int] | None = None, defer: bool = False
) -> None:
    """Give rows we hold back: free at once, or (`defer`: their tries ran out) held for the
    next run. The rows are locked in id order, as every statement that waits for delivery
    rows does (no two of them can deadlock)."""
    where = "AND d.id = ANY(:ids)" if ids is not None else ""
    session.execute(
        sa.text(
            "WITH mine AS MATERIALIZED (SELECT d.id FROM delivery d "
            f"WHERE d.issue_id = :issue AND d.lease_owner = :owner AND {_UNSENT} {where} "
            "ORDER BY d.id FOR UPDATE) "
            "UPDATE delivery d SET lease_owner = :holder, lease_expires_at = NULL "
            "FROM mine WHERE d.id = mine.id"
        ),
        {"issue": issue_id, "owner": owner, "ids": ids, "holder": DEFERRED if defer else None},
    )


def free_deferred(issue_id: int, *, session: Db) -> int:
    """A new run of the send (an editor's, the scheduler's retry) may try the rows earlier
    runs deferred; returns how many."""
    return int(
        session.execute(
            sa.text(
                "WITH held AS MATERIALIZED (SELECT d.id FROM delivery d "
                f"WHERE d.issue_id = :issue AND d.lease_owner = '{DEFERRED}' AND {_UNSENT} "
                "ORDER BY d.id FOR UPDATE) "
                "UPDATE delivery d SET lease_owner = NULL FROM held WHERE d.id = held.id"
            ),
            {"issue": issue_id},
        ).rowcount
        or 0
    )


def unsent_elsewhere(issue_id: int, owner: str, *, session: Db) -> int:
    """Unsent rows of this run that we do not hold: held by another sender, or free again.

    A sender that claimed nothing waits while this is not 0. Free rows count: a holder
    giving its rows back while our claim skipped them (locked) may commit before this
    count, which then saw none held and none free, and the send ended with them pending."""
    return int(
        session.execute(
            sa.text(
                f"SELECT count(*) FROM delivery d WHERE d.issue_id = :issue AND {_UNSENT} "
                "AND d.lease_owner IS DISTINCT FROM :owner "
                f"AND d.lease_owner IS DISTINCT FROM '{DEFERRED}'"
            ),
            {"issue": issue_id, "owner": owner},
        ).scalar_one()
    )


def lease_holders(issue_id: int, *, session: Db) -> list[str]:
    """The senders holding live leases on unsent rows of the issue."""
    rows = session.execute(
        sa.text(
            "SELECT DISTINCT d.lease_owner FROM delivery d "
            f"WHERE d.issue_id = :issue AND {_UNSENT} AND d.lease_owner IS NOT NULL "
            "AND d.lease_expires_at > clock_timestamp()"
        ),
        {"issue": issue_id},
    ).all()
    return [str(r[0]) for r in rows]


def tally(
    issue_id: int, attempted: int, errors: int, *, session: Db
) -> tuple[int, int, str | None]:
    """Add outcomes to the shared count; returns (attempted, errors, paused_reason)."""
    row = session.execute(
        sa.text(
            "UPDATE send_state SET attempted = attempted + :a, errors = errors + :e, "
            "updated_at = clock_timestamp() WHERE issue_id = :issue "
            "RETURNING attempted, errors, paused_reason"
        ),
        {"issue": issue_id, "a": attempted, "e": errors},
    ).one()
    return int(row[0]), int(row[1]), row[2]


def pause(issue_id: int, reason: str, *, session: Db) -> str:
    """Pause every sender of the issue (the first reason given stays); returns the reason."""
    return str(
        session.execute(
            sa.text(
                "UPDATE send_state SET paused_reason = COALESCE(paused_reason, :reason), "
                "updated_at = clock_timestamp() WHERE issue_id = :issue RETURNING paused_reason"
            ),
            {"issue": issue_id, "reason": reason},
        ).scalar_one()
    )


def reserve_slots(issue_id: int, count: int, rate: float, *, session: Db) -> float:
    """Reserve `count` consecutive slots of the global rate; returns the seconds from now
    (on the database's clock, so machines' clocks need not agree) to the first slot."""
    return float(
        session.execute(
            sa.text(
                "UPDATE send_state SET rate_next_at = "
                "GREATEST(COALESCE(rate_next_at, clock_timestamp()), clock_timestamp()) "
                "+ make_interval(secs => :span) WHERE issue_id = :issue "
                "RETURNING EXTRACT(EPOCH FROM (rate_next_at - clock_timestamp())) - :span"
            ),
            {"issue": issue_id, "span": count / rate},
        ).scalar_one()
    )


def finish_if_done(issue_id: int, *, session: Db) -> bool:
    """Mark the issue sent if no row is unsent; True only for the one caller that did."""
    row = session.execute(
        sa.text(
            "UPDATE issue SET status = :sent, sent_at = clock_timestamp(), "
            "updated_at = clock_timestamp() WHERE id = :issue AND status = :sending "
            f"AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.issue_id = :issue AND {_UNSENT}) "
            "RETURNING id"
        ),
        {"issue": issue_id, "sent": IssueStatus.sent.value, "sending": IssueStatus.sending.value},
    ).first()
    return row is not None


def issues_with_work(*, session: Db) -> list[int]:
    """Issues being sent that have free unsent rows and are not paused, oldest first."""
    rows = session.execute(
        sa.text(
            "SELECT i.id FROM issue i LEFT JOIN send_state st ON st.issue_id = i.id "
            "WHERE i.status = :sending AND st.paused_reason IS NULL AND EXISTS "
            f"(SELECT 1 FROM delivery d WHERE d.issue_id = i.id AND {_UNSENT} AND {_FREE}) "
            "ORDER BY i.id"
        ),
        {"sending": IssueStatus.sending.value},
    ).all()
    return [int(r[0]) for r in rows]
