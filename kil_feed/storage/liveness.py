"""Queries of the link-liveness checks (`kil_feed.liveness`): what to check, what was found.

A check's outcome is kept in the item's `extra` (`link_state`, `link_reason`,
`link_checked_at` and the validators for the next conditional GET). A closed posting gets
its `closes_at` brought forward to the check, so every edge that already honours a closing
date (the web's "Closed", the JSON-LD `validThrough` Google reads for expired postings,
the issue build) treats it as closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from kil_feed.liveness import CLOSED, Check, Target
from kil_feed.models import IssueItem, Item, ItemKind, ItemStatus
from kil_feed.timeutil import as_utc

CHECKED_KINDS = (ItemKind.job.value, ItemKind.notice.value)
DROPPED_SECTION = "dropped"  # newsletter.sections.DROPPED: placed, but not sent


def _target(item: Item) -> Target:
    extra = item.extra or {}
    return Target(
        item_id=item.id,  # type: ignore[arg-type]
        url=item.url,
        closes_at=as_utc(item.closes_at),
        extraction=extra.get("extraction"),
        etag=extra.get("link_etag"),
        last_modified=extra.get("link_last_modified"),
        fetch=item.kind != ItemKind.notice.value,  # a notice's page stays published
    )


def issue_targets(issue_id: int, *, session: Session) -> list[Target]:
    """The jobs (and notices) an issue would send."""
    rows = session.exec(
        select(Item)
        .join(IssueItem, col(IssueItem.item_id) == col(Item.id))
        .where(
            IssueItem.issue_id == issue_id,
            IssueItem.section != DROPPED_SECTION,
            col(Item.kind).in_(CHECKED_KINDS),
        )
        .order_by(col(Item.id))
    ).all()
    return [_target(item) for item in rows]


def open_targets(now: datetime, *, session: Session, limit: int = 200) -> list[Target]:
    """Approved jobs (and notices) not known to be closed, least recently checked first."""
    rows = session.exec(
        select(Item)
        .where(
            col(Item.kind).in_(CHECKED_KINDS),
            Item.status == ItemStatus.approved.value,
            (col(Item.closes_at).is_(None)) | (col(Item.closes_at) > now),
        )
        .order_by(col(Item.updated_at))
        .limit(limit)
    ).all()
    return [_target(item) for item in rows]


def record_checks(checks: Sequence[Check], now: datetime, *, session: Session) -> list[int]:
    """Keep what each check found; returns the ids of the postings now closed."""
    closed: list[int] = []
    for check in checks:
        item = session.get(Item, check.item_id)
        if item is None:
            continue
        extra = dict(item.extra or {})
        extra.update(
            link_state=check.state,
            link_reason=check.reason,
            link_checked_at=now.isoformat(),
        )
        if check.etag:
            extra["link_etag"] = check.etag
        if check.last_modified:
            extra["link_last_modified"] = check.last_modified
        item.extra = extra
        if check.state == CLOSED:
            closes = as_utc(item.closes_at)
            if closes is None or closes > now:
                item.closes_at = now
            closed.append(check.item_id)
        session.add(item)
    session.flush()
    return closed


def drop_from_issue(issue_id: int, item_ids: Sequence[int], *, session: Session) -> int:
    """Move closed postings of an issue to the dropped section; returns how many moved."""
    if not item_ids:
        return 0
    rows = session.exec(
        select(IssueItem).where(
            IssueItem.issue_id == issue_id,
            col(IssueItem.item_id).in_(list(item_ids)),
            IssueItem.section != DROPPED_SECTION,
        )
    ).all()
    for placement in rows:
        placement.section = DROPPED_SECTION
        session.add(placement)
    session.flush()
    return len(rows)
