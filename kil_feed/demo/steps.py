"""The steps of `kil demo`, as library calls returning data (the CLI prints them).

Each step calls the same function the rest of kil-feed uses (the crawler's `run_crawl`, the
newsletter's `build_issue` and `send_issue`, the web app's `create_app`), never the CLI.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Issue, IssueStatus
from kil_feed.storage.issues import find_issue_for_week
from kil_feed.storage.items import list_items
from kil_feed.timeutil import iso_week, utcnow

logger = logging.getLogger(__name__)


def crawl(settings: Settings, sources: list[str], time_limit: float = 120) -> list[Any]:
    """Crawl the demo sources (a Scrapy subprocess); per-source summaries."""
    from kil_feed.ingest.run import run_crawl

    return run_crawl(settings, sources=sources, time_limit=time_limit)


@dataclass
class Curation:
    """What the curation rules decided, per source: counts by status and the rules that fired."""

    by_source: dict[str, Counter[str]] = field(default_factory=dict)
    rules: Counter[str] = field(default_factory=Counter)

    def total(self, status: str) -> int:
        return sum(c[status] for c in self.by_source.values())


def curation(engine: Engine, sources: list[str]) -> Curation:
    result = Curation()
    with read_session(engine) as session:
        for name in sources:
            items = list_items(session=session, source=name, limit=None)
            result.by_source[name] = Counter(i.status for i in items)
            result.rules.update(i.rule for i in items if i.rule)
    return result


@dataclass(frozen=True)
class IssueOutcome:
    issue: Issue | None
    week: str
    already_sent: bool = False


def build_and_approve(engine: Engine, settings: Settings) -> IssueOutcome:
    """This week's issue: built (or refreshed) and approved; an issue already sent is kept."""
    week = iso_week(utcnow(), settings.timezone)
    with read_session(engine) as session:
        existing = find_issue_for_week(week, session=session)
    if existing is not None and existing.status == IssueStatus.sent.value:
        return IssueOutcome(existing, week, already_sent=True)
    if existing is None or existing.status == IssueStatus.draft.value:
        from newsletter.build import build_issue

        built = build_issue(engine, settings, week)
        if built is None:
            return IssueOutcome(None, week)
        existing = built
    if existing.status == IssueStatus.draft.value:
        from newsletter.edit import approve_issue

        # as an editor's `kil issue approve`
        existing = approve_issue(engine, existing.id, settings=settings)
    return IssueOutcome(existing, week)


def send(engine: Engine, settings: Settings, issue_id: int) -> Any:
    from newsletter.send import send_issue

    return send_issue(engine, settings, issue_id)


@dataclass(frozen=True)
class OutboxMessage:
    path: Path
    to: str
    subject: str


def outbox_messages(outbox: Path) -> list[OutboxMessage]:
    """The emails in the demo outbox (a Maildir), oldest first."""
    messages = []
    for path in sorted((outbox / "new").glob("*.eml")):
        with path.open("rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        messages.append(OutboxMessage(path, str(msg.get("To", "")), str(msg.get("Subject", ""))))
    return messages


def create_web_app(settings: Settings) -> Any:
    from kil_feed.web.app import create_app

    return create_app(settings)
