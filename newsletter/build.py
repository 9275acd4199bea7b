"""Build the draft issue of an ISO week: choose approved items and place them in sections.

Every approved item collected up to now (or the end of the week, for a past week) that no
sent issue carried goes in, however late it was approved, unless it is stale: news older
than `max_news_age_days`, jobs whose closing date has passed. One card per cluster: the
best-ranked member leads and the others become "also reported by". Rebuilding a draft
keeps its intro, an editor's subject and every placement the editor made (`pinned`); a
built subject follows the lead story (`newsletter.subject`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, ValidationError
from kil_feed.models import Issue, IssueItem, IssueStatus, Item, ItemKind
from kil_feed.storage import issues as issues_db
from kil_feed.timeutil import as_utc, iso_week, isoformat, utcnow, week_bounds
from newsletter import sections as sec
from newsletter.subject import decide_subject_set, refresh_subject

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


WEEKS_AHEAD = 52  # a draft further ahead is a typo (`9999-W01`), never a planned issue


def issue_week(week: str, now: datetime, tz: str) -> str:
    """`normalise_week`, refusing a week more than a year after `now`; any past week stays
    buildable, as the archive may need it."""
    label = normalise_week(week)
    latest = iso_week(now + timedelta(weeks=WEEKS_AHEAD), tz)
    if week_bounds(label, tz)[0] > week_bounds(latest, tz)[0]:
        raise ValidationError(
            f"week {label} is more than a year ahead", hint=f"give a week up to {latest}"
        )
    return label


@dataclass(frozen=True)
class Waiting:
    """Approved items no sent issue carried that are still fresh enough to go out, as the
    issue of `week` sees them: `count` could go in it; `later` were collected after the
    week ended, so only a later week's issue can carry them."""

    count: int
    oldest: datetime | None  # the date (published, else collected) of the oldest one
    week: str | None = None  # None: the next issue built, whatever its week
    later: int = 0

    def describe(self, now: datetime) -> str:
        """`3 approved items are waiting for an issue, the oldest from 9 days ago`; for a
        past week, only what its issue can hold, and how many wait for a later one."""
        scope = f" collected by the end of {self.week}" if self.later else ""
        if not self.count:
            text = f"no approved items{scope} are waiting for an issue"
        elif self.count == 1:
            text = f"1 approved item{scope} is waiting for an issue"
        else:
            text = f"{self.count} approved items{scope} are waiting for an issue"
        if self.count and self.oldest is not None:
            days = max(0, (now - self.oldest).days)
            ago = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
            text += f", the oldest from {ago}"
        if self.later:
            verb = "waits" if self.later == 1 else "wait"
            text += f"; {self.later} collected since {verb} for a later week's issue"
        return text

    def as_json(self, now: datetime) -> dict[str, object]:
        """`waiting_items` of `kil status --json` and `kil issue build --json`."""
        return {
            "count": self.count,
            "oldest": isoformat(self.oldest),
            "summary": self.describe(now),
            "week": self.week,
            "later": self.later,
        }


def _candidates(
    settings: Settings, now: datetime, until: datetime, *, session: Session, exclude: int | None
) -> list[Item]:
    news_since = now - timedelta(days=settings.newsletter.max_news_age_days)
    return list(
        issues_db.candidate_items(
            session=session, until=until, news_since=news_since, now=now, exclude_issue_id=exclude
        )
    )


def _until(week: str | None, settings: Settings, now: datetime) -> datetime:
    """Items collected before this go in `week`'s issue: its end, or now for this week."""
    if not week:
        return now
    return min(now, week_bounds(week, settings.timezone)[1])


def waiting_items(
    engine: Engine, settings: Settings, *, now: datetime | None = None, week: str | None = None
) -> Waiting:
    """What the issue of `week` (default: the next one built) would draw on (`kil status`,
    `kil issue build`); one query, split at the week's end."""
    now = as_utc(now) or utcnow()
    week = normalise_week(week) if week else None
    until = _until(week, settings, now)
    with read_session(engine) as session:
        items = _candidates(settings, now, now, session=session, exclude=None)
    mine = [i for i in items if as_utc(i.collected_at) < until]  # type: ignore[operator]
    oldest = min((sec.item_date(i) for i in mine), default=None)
    return Waiting(len(mine), oldest, week, len(items) - len(mine))


def build_issue(
    engine: Engine, settings: Settings, week: str | None = None, *, now: datetime | None = None
) -> Issue | None:
    """Create or refresh the draft for `week` (default: this week); None when nothing to send."""
    now = as_utc(now) or utcnow()
    week = issue_week(week, now, settings.timezone) if week else iso_week(now, settings.timezone)
    until = _until(week, settings, now)
    with write_session(engine) as session:
        issue = issues_db.find_issue_for_week(week, session=session)
        if issue is not None and issue.status != IssueStatus.draft.value:
            raise ConflictError(
                f"issue {issue.id} for {week} is {issue.status} and can no longer be rebuilt",
                hint=_rebuild_hint(issue, settings, now),
            )
        old_rows = issues_db.placements(issue.id, session=session) if issue else []
        fresh = _candidates(
            settings, now, until, session=session, exclude=issue.id if issue else None
        )
        rows = _place(fresh, old_rows, settings, session=session)
        if not any(r.section != sec.DROPPED for r in rows):
            logger.info("empty week week=%s candidates=%d", week, len(fresh))
            return None
        if issue is None:
            issue = Issue(week=week, subject_set=False)
            session.add(issue)
            session.flush()
        decide_subject_set(issue, old_rows, settings, session=session)  # before 0026
        assert issue.id is not None
        issues_db.replace_placements(issue.id, rows, session=session)
        refresh_subject(issue, settings, session=session)  # a built one follows its lead
        issue.updated_at = utcnow()
        session.add(issue)
        logger.info(
            "built issue id=%s week=%s items=%d",
            issue.id,
            week,
            sum(r.section != "dropped" for r in rows),
        )
        return issue


def _rebuild_hint(issue: Issue, settings: Settings, now: datetime) -> str:
    """Advice that works for an issue a build may no longer touch."""
    if issue.status == IssueStatus.approved.value:
        return (
            f"`kil issue edit {issue.id}` changes it (and returns it to draft), "
            f"or `kil issue send {issue.id}` sends it"
        )
    week_end = week_bounds(issue.week, settings.timezone)[1]
    following = max(iso_week(now, settings.timezone), iso_week(week_end, settings.timezone))
    return f"it has gone out; build the next week with `kil issue build --week {following}`"


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
