"""Queries on newsletter issues (editions) and their ordered items."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from kil_feed.errors import NotFoundError
from kil_feed.models import Issue, IssueItem, Item


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
