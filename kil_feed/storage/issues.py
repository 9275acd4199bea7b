"""Queries on newsletter issues (editions) and their ordered items."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from kil_feed.errors import NotFoundError
from kil_feed.models import (
    Issue,
    IssueItem,
    IssueStatus,
    Item,
    ItemStatus,
    Source,
    source_display_name,
)


def get_issue(issue_id: int, *, session: Session) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFoundError(f"no issue with id {issue_id}", hint="see `kil issue list`")
    return issue


def find_issue_for_week(week: str, *, session: Session) -> Issue | None:
    return session.exec(select(Issue).where(Issue.week == week)).first()


def list_issues(*, session: Session, status: str | None = None) -> Sequence[Issue]:
    query = select(Issue).order_by(col(Issue.week).desc())
    if status:
        query = query.where(Issue.status == status)
    return session.exec(query).all()


def issue_items(issue_id: int, *, session: Session) -> list[tuple[IssueItem, Item]]:
    """The issue's items in order, with their placement."""
    rows = session.exec(
        select(IssueItem, Item)
        .join(Item, col(Item.id) == col(IssueItem.item_id))
        .where(IssueItem.issue_id == issue_id)
        .order_by(col(IssueItem.position), col(IssueItem.item_id))
    ).all()
    return [(placement, item) for placement, item in rows]


# --- building and editing ----------------------------------------------------------------

SENT_STATUSES = (IssueStatus.sending.value, IssueStatus.sent.value)


def previous_issue(week: str, *, session: Session) -> Issue | None:
    """The latest issue of an earlier week (its build time bounds the next issue's window)."""
    return session.exec(
        select(Issue).where(col(Issue.week) < week).order_by(col(Issue.week).desc()).limit(1)
    ).first()


def candidate_items(
    *,
    session: Session,
    until: datetime,
    news_since: datetime,
    now: datetime,
    exclude_issue_id: int | None = None,
) -> Sequence[Item]:
    """Approved items collected before `until` that are still fresh and whose story no
    sent (or sending) issue carried: the one query behind a build and the waiting count.

    There is no lower bound on collection: an item approved after the issue of its week
    went out still reaches the next one. Fresh means open (a closing date still ahead) or,
    without a closing date, dated (published, else collected) on or after `news_since`.
    """
    already = (
        select(IssueItem.item_id)
        .join(Issue, col(Issue.id) == col(IssueItem.issue_id))
        .where(col(Issue.status).in_(SENT_STATUSES), IssueItem.section != "dropped")
    )
    if exclude_issue_id is not None:
        already = already.where(IssueItem.issue_id != exclude_issue_id)
    covered_clusters = select(Item.cluster_id).where(
        col(Item.id).in_(already), col(Item.cluster_id).is_not(None)
    )
    # a notice is as fresh as its latest release's arrival (its published date is the
    # service's, often weeks before the award reaches a weekly reader)
    dated = sa.case(
        (col(Item.kind) == "notice", col(Item.updated_at)),
        else_=func.coalesce(col(Item.published_at), col(Item.collected_at)),
    )
    fresh = sa.or_(
        col(Item.closes_at) >= now,
        sa.and_(col(Item.closes_at).is_(None), dated >= news_since),
    )
    query = select(Item).where(
        Item.status == ItemStatus.approved.value,
        col(Item.collected_at) < until,
        fresh,
        col(Item.id).not_in(already),
        sa.or_(col(Item.cluster_id).is_(None), col(Item.cluster_id).not_in(covered_clusters)),
    )
    return session.exec(query.order_by(col(Item.id))).all()


def items_by_ids(item_ids: Iterable[int], *, session: Session) -> dict[int, Item]:
    ids = list(item_ids)
    if not ids:
        return {}
    return {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(ids))).all()}  # type: ignore[misc]


def placements(issue_id: int, *, session: Session) -> list[IssueItem]:
    """Every placement row of an issue (dropped ones too), in section order."""
    return list(
        session.exec(
            select(IssueItem)
            .where(IssueItem.issue_id == issue_id)
            .order_by(col(IssueItem.section), col(IssueItem.position), col(IssueItem.item_id))
        ).all()
    )


def shown_placements(
    issue_ids: Iterable[int], *, session: Session
) -> dict[int, list[tuple[IssueItem, Item]]]:
    """The shown (not dropped) placements of the issues with their items, in one query:
    what their built subjects are made of (a listing of drafts reads them all at once)."""
    ids = sorted(set(issue_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(IssueItem, Item)
        .join(Item, col(Item.id) == col(IssueItem.item_id))
        .where(col(IssueItem.issue_id).in_(ids), IssueItem.section != "dropped")
    ).all()
    out: dict[int, list[tuple[IssueItem, Item]]] = {}
    for placement, item in rows:
        out.setdefault(placement.issue_id, []).append((placement, item))
    return out


def unsent_issues_with(item_id: int, *, session: Session) -> Sequence[Issue]:
    """The issues not yet sending that show the item (not dropped): its edit may change
    their built subject."""
    return session.exec(
        select(Issue)
        .join(IssueItem, col(IssueItem.issue_id) == col(Issue.id))
        .where(
            IssueItem.item_id == item_id,
            IssueItem.section != "dropped",
            col(Issue.status).not_in(SENT_STATUSES),
        )
    ).all()


def replace_placements(issue_id: int, rows: Iterable[IssueItem], *, session: Session) -> None:
    """Make `rows` the issue's placements (delete the rest)."""
    session.exec(delete(IssueItem).where(col(IssueItem.issue_id) == issue_id))
    session.flush()
    for row in rows:
        session.add(
            IssueItem(
                issue_id=issue_id,
                item_id=row.item_id,
                section=row.section,
                position=row.position,
                pinned=row.pinned,
            )
        )
    session.flush()


def cluster_members(
    cluster_ids: Iterable[int], *, session: Session
) -> dict[int, list[tuple[Item, str]]]:
    """Items (not rejected) of the given clusters with their sources' display names."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(Item, Source.title, Source.name)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(col(Item.cluster_id).in_(ids), Item.status != ItemStatus.rejected.value)
        .order_by(col(Item.id))
    ).all()
    out: dict[int, list[tuple[Item, str]]] = {}
    for item, title, name in rows:
        shown = source_display_name(title, name)
        out.setdefault(item.cluster_id, []).append((item, shown))  # type: ignore[arg-type]
    return out


def placement_counts(*, session: Session) -> dict[int, int]:
    """Number of (not dropped) items per issue."""
    rows = session.exec(
        select(IssueItem.issue_id, func.count())
        .where(IssueItem.section != "dropped")
        .group_by(IssueItem.issue_id)
    ).all()
    return {issue_id: count for issue_id, count in rows}
