"""An issue's content as plain data (cards in sections), loaded once per render or send.

Rendering works on these dataclasses, never on database rows, so one load serves every
subscriber variant. Text from items is made plain text here by `kil_feed.text.plain_text`
(feeds carry HTML), the formatter the web shares; the templates escape it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kil_feed.db import read_session
from kil_feed.models import Issue, Item
from kil_feed.money import pay_range
from kil_feed.storage import issues as issues_db
from kil_feed.storage.items import source_titles
from kil_feed.text import SUMMARY_CHARS, one_line, plain_paragraphs, plain_text, plain_title
from kil_feed.topics import TopicCatalog, topic_catalog
from newsletter import sections as sec

SIGNAL_COUNTED = 20  # a signal's line counts at most this many of its buyer's jobs and news


@dataclass(frozen=True)
class Card:
    """One story, job or notice as the email shows it."""

    item_id: int
    kind: str
    title: str
    url: str | None  # None when the item's link is not http(s)
    summary: str
    source: str
    date: datetime
    featured: bool
    topics: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # other sources that reported the same story
    employer: str | None = None
    location: str | None = None
    pay: str | None = None
    contract: str | None = None
    ir35: str | None = None
    closes: datetime | None = None
    signal: str | None = None  # a signal's line: the notice, then the buyer's jobs and news


@dataclass
class IssueContent:
    """What an issue contains, section by section (news sections in topic order)."""

    issue_id: int
    week: str
    subject: str
    intro: str
    status: str
    top: list[Card] = field(default_factory=list)
    news: list[tuple[str, list[Card]]] = field(default_factory=list)
    jobs: list[Card] = field(default_factory=list)
    notices: list[Card] = field(default_factory=list)
    signals: list[Card] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # topic slug -> label
    intro_paragraphs: list[str] = field(default_factory=list)  # the intro as plain text

    @property
    def is_empty(self) -> bool:
        return not (self.top or self.news or self.jobs or self.notices or self.signals)

    def cards(self) -> list[Card]:
        out = list(self.top)
        for _, cards in self.news:
            out.extend(cards)
        return out + self.jobs + self.notices + self.signals


def safe_url(url: str | None) -> str | None:
    """Only http(s) links go into an email (no javascript:, data:, ...)."""
    url = (url or "").strip()
    return url if re.match(r"(?i)^https?://[^\s\"'<>]+$", url) else None


def load_issue_content(
    engine: Engine, issue_id: int, topics: TopicCatalog | None = None
) -> IssueContent:
    """The issue's cards, with "also reported by" from each card's cluster; news sections
    are labelled from `topics` (the bundled topic list when None)."""
    with read_session(engine) as session:
        return issue_content(issue_id, session=session, topics=topics)


def issue_content(
    issue_id: int, *, session: Session, topics: TopicCatalog | None = None
) -> IssueContent:
    """`load_issue_content` in a session the caller holds (the web page's request session)."""
    catalog = topics or topic_catalog()
    issue: Issue = issues_db.get_issue(issue_id, session=session)
    rows = [(p, i) for p, i in issues_db.issue_items(issue_id, session=session)]
    names = source_titles(session=session)
    clusters = issues_db.cluster_members(
        [i.cluster_id for _, i in rows if i.cluster_id is not None], session=session
    )
    content = IssueContent(
        issue_id=issue_id,
        week=issue.week,
        subject=issue.subject,
        intro=issue.intro,
        status=issue.status,
        intro_paragraphs=plain_paragraphs(issue.intro),
    )
    news: dict[str, list[Card]] = {}
    signal_items: list[Item] = []
    for placement, item in sorted(rows, key=lambda r: (r[0].section, r[0].position, r[1].id)):
        if placement.section == sec.DROPPED:
            continue
        source = names.get(item.source_id, "")
        also: list[str] = []
        for other, other_source in clusters.get(item.cluster_id or -1, []):
            if other.id != item.id and other_source != source and other_source not in also:
                also.append(other_source)
        card = Card(
            item_id=item.id,  # type: ignore[arg-type]
            kind=item.kind,
            title=plain_title(item.title),
            url=safe_url(item.url),
            summary=plain_text(item.summary, SUMMARY_CHARS),
            source=source,
            date=sec.item_date(item),
            featured=item.featured,
            topics=tuple(item.topics or ()),
            regions=tuple(item.regions or ()),
            also=tuple(also),
            employer=one_line(item.employer) or None,
            location=one_line(item.location) or None,
            pay=pay_range(item.pay_min, item.pay_max, item.pay_period, item.pay_currency),
            contract=one_line(item.contract_type) or None,
            ir35=one_line(item.ir35) or None,
            closes=item.closes_at,
        )
        if placement.section == sec.TOP:
            content.top.append(card)
        elif placement.section == sec.JOBS:
            content.jobs.append(card)
        elif placement.section == sec.NOTICES:
            content.notices.append(card)
        elif placement.section == sec.SIGNALS:
            content.signals.append(card)
            signal_items.append(item)
        else:
            news.setdefault(placement.section, []).append(card)
    lines = _signal_lines(signal_items, session=session)
    content.signals = [
        replace(c, signal=line) for c, line in zip(content.signals, lines, strict=True)
    ]
    content.labels = catalog.labels() | {
        t: catalog.label(t) for card in content.cards() for t in card.topics
    }
    labelled = [(catalog.label(s.removeprefix(sec.NEWS_PREFIX)), s) for s in news]
    content.news = [(label, news[s]) for label, s in sorted(labelled)]
    return content


def _signal_lines(items: list[Item], *, session: Session) -> list[str]:
    """Each notice's line with what else its buyer has (open jobs, recent news, at most
    SIGNAL_COUNTED of each), for all the issue's signals at once: a fixed number of
    queries however many signals the issue has."""
    from kil_feed.notice_view import signal_line
    from kil_feed.storage.buyers import BuyerCounts, buyer_counts, find_buyers

    if not items:
        return []
    buyers = find_buyers([i.buyer_key for i in items], session=session)
    counts = buyer_counts(list(buyers.values()), session=session, limit=SIGNAL_COUNTED)
    lines = []
    for item in items:
        found = counts.get(item.buyer_key or "", BuyerCounts())
        lines.append(signal_line(item, found.jobs, found.news))
    return lines
