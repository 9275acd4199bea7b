"""An editor's changes to an issue: subject, intro, order, drop, add, approve.

Every placement an editor touches becomes `pinned`, so a rebuild keeps it. Only drafts and
approved (not yet sending) issues can be edited; editing an approved issue returns it to
draft so it is approved again before it goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.errors import ConflictError, ValidationError
from kil_feed.models import Issue, IssueItem, IssueStatus, ItemStatus
from kil_feed.storage import issues as issues_db
from kil_feed.storage.items import get_item
from kil_feed.timeutil import utcnow
from newsletter import sections as sec
from newsletter.subject import check_subject, decide_subject_set, issue_subject, refresh_subject

logger = logging.getLogger(__name__)

EDITABLE = (IssueStatus.draft.value, IssueStatus.approved.value)


def edit_issue(
    engine: Engine,
    issue_id: int,
    *,
    subject: str | None = None,
    intro: str | None = None,
    move: tuple[int, int] | Sequence[tuple[int, int]] | None = None,
    drop: int | Sequence[int] | None = None,
    add: int | Sequence[int] | None = None,
    settings: Settings | None = None,
    auto_subject: bool = False,
) -> list[str]:
    """Apply the requested changes in one transaction; returns what changed, for the user.

    `move`, `drop` and `add` take one change or several (`--drop 3 --drop 5`: both, not
    the last; `--move 3 1 --move 5 2`: in that order). A `subject` is the editor's: it
    stays; else a built subject follows the lead story they leave (with `settings`).
    `auto_subject` turns an editor's subject back into the built one (with `settings`)."""
    if auto_subject and (subject is not None or settings is None):
        raise ValueError("auto_subject takes settings and no subject")
    drops = [drop] if isinstance(drop, int) else list(drop or [])
    adds = [add] if isinstance(add, int) else list(add or [])
    moves = [move] if move and isinstance(move[0], int) else list(move or [])
    changes: list[str] = []
    notes: list[str] = []  # said, but no change (an approved issue stays so)
    with write_session(engine) as session:
        issue = issues_db.get_issue(issue_id, session=session)
        if issue.status not in EDITABLE:
            raise ConflictError(f"issue {issue_id} is {issue.status} and can no longer be edited")
        if subject is not None:
            clean = " ".join(subject.split())
            if not clean:
                raise ValidationError(
                    "the subject cannot be empty",
                    hint="--auto-subject builds it from the lead story again",
                )
            issue.subject = issue.headline = clean[:300]
            issue.subject_set = True
            changes.append("subject set")
        if auto_subject and settings is not None:  # what it shows now, and whose it is
            shown, was_set = issue_subject(issue, settings, session=session), issue.subject_set
            issue.subject_set = False
        if intro is not None:
            issue.intro = intro.strip()
            changes.append("intro set")
        rows = issues_db.placements(issue_id, session=session)
        if settings is not None:  # a subject from before 0026: as the build left it
            decide_subject_set(issue, rows, settings, session=session)
        for item_id in adds:
            rows = _add(rows, item_id, session=session)
            changes.append(f"item {item_id} added")
        for item_id in drops:
            rows = _drop(rows, item_id)
            changes.append(f"item {item_id} dropped")
        for item_id, position in moves:
            rows, where = _move(rows, item_id, position)
            changes.append(f"item {item_id} moved to {where}")
        if adds or drops or moves:
            issues_db.replace_placements(issue_id, rows, session=session)
            following = settings is not None and not auto_subject  # else just below
            if following and refresh_subject(issue, settings, session=session):  # type: ignore[arg-type]
                changes.append("subject follows the lead story")
        if auto_subject and settings is not None:
            refresh_subject(issue, settings, session=session)
            if was_set or (issue.subject, issue.headline) != shown:
                changes.append(f"subject built from the lead story: {issue.subject}")
            else:
                notes.append(f"subject already built from the lead story: {issue.subject}")
        if issue.status == IssueStatus.approved.value and changes:
            issue.status = IssueStatus.draft.value
            issue.approved_at = None
            changes.append("back to draft: approve it again")
        if changes:
            issue.updated_at = utcnow()
        session.add(issue)
    return changes + notes


def approve_issue(engine: Engine, issue_id: int, *, settings: Settings) -> Issue:
    """Mark a draft ready to send (an issue with no items or no subject cannot be
    approved). The subject checked is the one the issue has now, as `kil issue list` and
    the send give it (a re-crawl may have changed the lead's title since the build), and it
    is stored, so the approved issue carries the subject that was checked."""
    with write_session(engine) as session:
        issue = issues_db.get_issue(issue_id, session=session)
        if issue.status != IssueStatus.draft.value:
            raise ConflictError(f"issue {issue_id} is {issue.status}, not a draft")
        shown = [
            r for r in issues_db.placements(issue_id, session=session) if r.section != "dropped"
        ]
        if not shown:
            raise ConflictError(f"issue {issue_id} has no items", hint="rebuild or add items first")
        refresh_subject(issue, settings, session=session)
        check_subject(issue)
        issue.status = IssueStatus.approved.value
        issue.approved_at = utcnow()
        issue.updated_at = issue.approved_at
        session.add(issue)
        return issue


def _section_rows(rows: list[IssueItem], section: str) -> list[IssueItem]:
    return sorted((r for r in rows if r.section == section), key=lambda r: (r.position, r.item_id))


def _renumber(rows: list[IssueItem], section: str, ordered: list[IssueItem]) -> list[IssueItem]:
    others = [r for r in rows if r.section != section]
    for pos, row in enumerate(ordered):
        row.position = pos
    return others + ordered


def _find(rows: list[IssueItem], item_id: int) -> IssueItem:
    for row in rows:
        if row.item_id == item_id and row.section != sec.DROPPED:
            return row
    raise ValidationError(f"item {item_id} is not in this issue", hint="see `kil issue show ID`")


def _move(rows: list[IssueItem], item_id: int, position: int) -> tuple[list[IssueItem], str]:
    """Move an item to a 1-based position within its section (a position past the end
    means the last); it and its section are pinned. Returns where it went, in words."""
    if position < 1:
        raise ValidationError("positions start at 1")
    row = _find(rows, item_id)
    ordered = [r for r in _section_rows(rows, row.section) if r.item_id != item_id]
    index = min(position - 1, len(ordered))
    ordered.insert(index, row)
    for r in ordered:  # the editor has now ordered the whole section
        r.pinned = True
    where = f"position {index + 1} of {len(ordered)} in {row.section}"
    if index + 1 < position:
        where += f" (the last; the section has {len(ordered)})"
    return _renumber(rows, row.section, ordered), where


def _drop(rows: list[IssueItem], item_id: int) -> list[IssueItem]:
    row = _find(rows, item_id)
    section = row.section
    row.section, row.pinned, row.position = sec.DROPPED, True, 0
    return _renumber(rows, section, [r for r in _section_rows(rows, section) if r is not row])


def _add(rows: list[IssueItem], item_id: int, *, session: Session) -> list[IssueItem]:
    item = get_item(item_id, session=session)
    if item.status != ItemStatus.approved.value:
        raise ValidationError(f"item {item_id} is {item.status}; only approved items go out")
    rows = [r for r in rows if r.item_id != item_id or r.section != sec.DROPPED]
    if any(r.item_id == item_id for r in rows):
        raise ValidationError(f"item {item_id} is already in this issue")
    section = sec.home_section(item)
    ordered = _section_rows(rows, section)
    ordered.append(IssueItem(item_id=item_id, section=section, position=len(ordered), pinned=True))
    return _renumber(rows, section, ordered)
