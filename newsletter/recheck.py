"""No dead job in an email: re-check an issue's postings before it is sent.

`recheck_issue` checks every job (and notice) placed in an issue (`kil_feed.liveness`),
records what it found and moves the closed ones to the dropped section, so the send never
renders them; the send report says how many went ("2 jobs closed since the build:
dropped") and how many could not be checked (kept). `recheck_open_postings` does the same
for every approved open posting (daily housekeeping), so the web marks them "Closed".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.liveness import CLOSED, UNKNOWN, Check, Limits, check_postings
from kil_feed.storage import liveness as store
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)


@dataclass
class RecheckReport:
    """How a re-check went; `line` is the sentence for a report."""

    checked: int = 0
    closed: int = 0
    unknown: int = 0
    reasons: dict[int, str] = field(default_factory=dict)  # item id -> why closed/unknown

    @property
    def line(self) -> str:
        parts = []
        if self.closed:
            noun = "job" if self.closed == 1 else "jobs"
            parts.append(f"{self.closed} {noun} closed since the build: dropped")
        if self.unknown:
            parts.append(f"{self.unknown} could not be checked: kept")
        return "; ".join(parts)


def limits_for(settings: Settings) -> Limits:
    """The crawler's manners (its User-Agent, its private-network rule) for the checks."""
    crawl = settings.crawl
    return Limits(
        user_agent=crawl.user_agent.replace("{contact_url}", crawl.contact_url),
        allow_private=settings.allow_private_networks,
        time_limit=settings.newsletter.recheck_time_limit,
    )


def recheck_issue(engine: Engine, settings: Settings, issue_id: int) -> RecheckReport:
    """Check the issue's postings; closed ones leave the issue (see the module doc). An
    issue whose send has begun is left as it is: every reader gets the same issue."""
    from kil_feed.models import IssueStatus
    from kil_feed.storage.issues import get_issue

    with read_session(engine) as session:
        if get_issue(issue_id, session=session).status != IssueStatus.approved.value:
            return RecheckReport()
        targets = store.issue_targets(issue_id, session=session)
    checks = check_postings(targets, limits_for(settings)) if targets else []
    report = _record(engine, checks)
    if report.closed:
        closed = [c.item_id for c in checks if c.state == CLOSED]
        with write_session(engine) as session:
            store.drop_from_issue(issue_id, closed, session=session)
        logger.info("closed postings dropped issue=%s items=%s", issue_id, closed)
    return report


def recheck_open_postings(engine: Engine, settings: Settings, *, limit: int = 200) -> RecheckReport:
    """Housekeeping: check the approved postings still open (oldest checks first)."""
    with read_session(engine) as session:
        targets = store.open_targets(utcnow(), session=session, limit=limit)
    return _record(engine, check_postings(targets, limits_for(settings)) if targets else [])


def _record(engine: Engine, checks: list[Check]) -> RecheckReport:
    report = RecheckReport(checked=len(checks))
    if not checks:
        return report
    with write_session(engine) as session:
        store.record_checks(checks, utcnow(), session=session)
    for check in checks:
        if check.state == CLOSED:
            report.closed += 1
            report.reasons[check.item_id] = check.reason
        elif check.state == UNKNOWN:
            report.unknown += 1
            report.reasons[check.item_id] = check.reason
    return report
