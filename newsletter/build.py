"""Build the draft issue of an ISO week: choose approved items and place them in sections.

The window runs from the previous issue's build (the last 7 days for the first issue) to
now (or the end of the week, for a past week). Items any sent issue carried are left out,
as are news older than `max_news_age_days` and jobs whose closing date has passed. One card
per cluster: the best-ranked member leads and the others become "also reported by".
Rebuilding a draft keeps its subject, intro and every placement the editor made (`pinned`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.errors import ConflictError, ValidationError
from kil_feed.models import Issue, IssueItem, IssueStatus, Item, ItemKind
from kil_feed.storage import issues as issues_db
from kil_feed.timeutil import as_utc, iso_week, utcnow, week_bounds
from newsletter import sections as sec

logger = logging.getLogger(__name__)


def normalise_week(week: str) -> str:
    """`2026-w48` -> `2026-W48`; a clear error for anything that is not an ISO week."""
    label = week.strip().upper()
    try:
        week_bounds(label)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    year, num = label.split("-W")
    return f"{int(year):04d}-W{int(num):02d}"


def build_issue(
    engine: Engine, settings: Settings, week: str | None = None, *, now: datetime | None = None
) -> Issue | None:
    """Create or refresh the draft for `week` (default: this week); None when nothing to send."""
    now = as_utc(now) or utcnow()
    week = normalise_week(week) if week else iso_week(now, settings.timezone)
    _, week_end = week_bounds(week, settings.timezone)
    until = min(now, week_end)
    with write_session(engine) as session:
        issue = issues_db.find_issue_for_week(week, session=session)
        if issue is not None and issue.status != IssueStatus.draft.value:
            raise ConflictError(
                f"issue {issue.id} for {week} is {issue.status} and can no longer be rebuilt",
                hint="edit it with `kil issue edit`, or build another week",
            )
        previous = issues_db.previous_issue(week, session=session)
        since = until - timedelta(days=7)
        if previous is not None and as_utc(previous.created_at) < until:  # type: ignore[operator]
            since = as_utc(previous.created_at)  # type: ignore[assignment]
        old_rows = issues_db.placements(issue.id, session=session) if issue else []
        candidates = issues_db.candidate_items(
            session=session, since=since, until=until, exclude_issue_id=issue.id if issue else None
        )
        fresh = [i for i in candidates if _still_fresh(i, now, settings)]
        rows = _place(fresh, old_rows, settings, session=session)
        if not any(r.section != sec.DROPPED for r in rows):
            logger.info("empty week week=%s since=%s candidates=%d", week, since, len(candidates))
            return None
        if issue is None:
            issue = Issue(week=week)
            session.add(issue)
            session.flush()
        old_auto = _auto_subject(week, old_rows, session=session)
        assert issue.id is not None
        issues_db.replace_placements(issue.id, rows, session=session)
        if not issue.subject or issue.subject == old_auto:
            issue.subject = _auto_subject(week, rows, session=session)
        issue.updated_at = utcnow()
        session.add(issue)
        logger.info(
            "built issue id=%s week=%s items=%d",
            issue.id,
            week,
            sum(r.section != "dropped" for r in rows),
        )
        return issue


def _still_fresh(item: Item, now: datetime, settings: Settings) -> bool:
    if item.kind == ItemKind.news.value:
        return sec.item_date(item) >= now - timedelta(days=settings.newsletter.max_news_age_days)
    if item.kind == ItemKind.job.value and item.closes_at is not None:
        return as_utc(item.closes_at) >= now  # type: ignore[operator]
    return True


def _place(
    fresh: list[Item], old_rows: list[IssueItem], settings: Settings, *, session: Session
) -> list[IssueItem]:
    """Placements for the new build: the editor's pinned rows kept, the rest ranked afresh."""
    pinned = [r for r in old_rows if r.pinned]
    pinned_items = issues_db.items_by_ids([r.item_id for r in pinned], session=session)
    # a pinned item that is no longer approved leaves the issue (a drop stays recorded)
    pinned = [
        r
        for r in pinned
        if r.section == sec.DROPPED
        or (r.item_id in pinned_items and pinned_items[r.item_id].status == "approved")
    ]
    taken_clusters = {
        pinned_items[r.item_id].cluster_id
        for r in pinned
        if r.item_id in pinned_items and pinned_items[r.item_id].cluster_id is not None
    }
    taken_ids = {r.item_id for r in pinned}
    leads = _cluster_leads(
        [i for i in fresh if i.id not in taken_ids and i.cluster_id not in taken_clusters]
    )
    nl = settings.newsletter
    auto: dict[str, list[int]] = defaultdict(list)
    news = [i for i in leads if i.kind == ItemKind.news.value]
    pinned_top = sum(r.section == sec.TOP for r in pinned)
    top_room = max(0, nl.max_top_stories - pinned_top)
    for item in news[:top_room]:
        auto[sec.TOP].append(item.id)  # type: ignore[arg-type]
    for item in news[top_room:]:
        auto[sec.news_section(item)].append(item.id)  # type: ignore[arg-type]
    for item in leads:
        if item.kind == ItemKind.job.value:
            auto[sec.JOBS].append(item.id)  # type: ignore[arg-type]
    # open tenders closing soonest first; signals in rank order
    notices = [i for i in leads if i.kind == ItemKind.notice.value]
    for item in sorted(notices, key=lambda i: (i.closes_at is None, i.closes_at or 0)):
        auto[sec.notice_section(item)].append(item.id)  # type: ignore[arg-type]
    limits = {sec.TOP: nl.max_top_stories, sec.JOBS: nl.max_jobs, sec.NOTICES: nl.max_notices,
              sec.SIGNALS: nl.max_notices}  # fmt: skip
    by_section: dict[str, list[IssueItem]] = defaultdict(list)
    for row in pinned:
        by_section[row.section].append(row)
    rows: list[IssueItem] = []
    for section in sorted(set(auto) | set(by_section)):
        if section == sec.DROPPED:
            rows.extend(by_section[section])
            continue
        limit = limits.get(section, nl.max_news_per_topic)
        keep = sorted(by_section[section], key=lambda r: (r.position, r.item_id))
        fill = auto[section][: max(0, limit - len(keep))]
        order: list[tuple[int, bool]] = [(item_id, False) for item_id in fill]
        for row in keep:
            order.insert(min(row.position, len(order)), (row.item_id, True))
        rows.extend(
            IssueItem(item_id=item_id, section=section, position=pos, pinned=is_pinned)
            for pos, (item_id, is_pinned) in enumerate(order)
        )
    return rows


def _cluster_leads(items: Iterable[Item]) -> list[Item]:
    """One item per cluster (the best ranked), all ranked."""
    best: dict[object, Item] = {}
    for item in items:
        key = ("cluster", item.cluster_id) if item.cluster_id is not None else ("item", item.id)
        if key not in best or sec.rank_key(item) < sec.rank_key(best[key]):
            best[key] = item
    return sorted(best.values(), key=sec.rank_key)


def _auto_subject(week: str, rows: list[IssueItem], *, session: Session) -> str:
    """The subject a build gives: the week and the lead story (an editor's subject is kept)."""
    shown = [r for r in rows if r.section != sec.DROPPED]
    if not shown:
        return ""
    order = {sec.TOP: 0, sec.JOBS: 2, sec.NOTICES: 3}
    lead = min(shown, key=lambda r: (order.get(r.section, 1), r.section, r.position))
    item = issues_db.items_by_ids([lead.item_id], session=session).get(lead.item_id)
    number = int(week.split("-W")[1])
    title = " ".join((item.title if item else "").split())
    if len(title) > 90:
        title = title[:89].rstrip() + "…"
    return f"Keep it Local, week {number}: {title}" if title else f"Keep it Local, week {number}"
