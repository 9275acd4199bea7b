"""An issue's signal lines cost a fixed number of queries, however many signals it has.

Each signal card's line counts its buyer's open jobs and recent news; they are read for
all the issue's buyers at once (`storage.buyers.buyer_counts`), not per card. The lines are
checked against the per-buyer definition (`buyer_items`, limit 20) they must keep.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from kil_feed.buyers import name_key
from kil_feed.db import read_session, write_session
from kil_feed.models import Buyer, Issue, IssueItem, Item
from kil_feed.notice_view import signal_line
from kil_feed.storage.buyers import buyer_items, find_buyer, signals
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from newsletter import sections as sec
from newsletter.content import load_issue_content
from tests.support.queries import statements

COUNCILS = [
    "Durham County Council",
    "Leeds City Council",
    "Bristol City Council",
    "Norfolk County Council",
    "Cornwall Council",
]


def _buyer_world(engine: Engine) -> dict[str, int]:
    """A notice (an award) of each council, with open, closed and rejected jobs and recent,
    old and naming news; the first council has more open jobs than a line counts."""
    now = utcnow()
    notices: dict[str, int] = {}
    with write_session(engine) as s:
        src, _ = upsert_source("Signals test", session=s, url="https://signals.example.org/")
        n = 0

        def add(**fields: object) -> Item:
            nonlocal n
            n += 1
            fields.setdefault("published_at", now - timedelta(days=1))
            item = Item(source_id=src.id, url=f"https://signals.example.org/{n}", **fields)  # type: ignore[arg-type]
            s.add(item)
            return item

        for i, name in enumerate(COUNCILS):
            key = name_key(name)
            s.add(Buyer(key=key, slug=key.replace(" ", "-"), name=name))
            notice = add(
                kind="notice",
                title=f"Waste contract {i}",
                employer=name,
                buyer_key=key,
                status="approved",
                extra={"notice": {"stage": "award", "buyer": {"name": name}}},
            )
            for j in range(25 if i == 0 else i + 1):
                when = now - timedelta(days=1, minutes=j)  # distinct: "newest" is one order
                add(
                    kind="job",
                    title=f"Interim {j}",
                    employer=name,
                    buyer_key=key,
                    published_at=when,
                )
            add(kind="job", title="Closed", buyer_key=key, closes_at=now - timedelta(days=1))
            add(kind="job", title="Rejected", buyer_key=key, status="rejected")
            for j in range(i):
                when = now - timedelta(days=1, minutes=j)
                add(kind="news", title=f"Story {j} of the buyer", buyer_key=key, published_at=when)
            add(kind="news", title=f"{name} restores peatland")  # names it, not linked
            add(kind="news", title=f"{name} old news", published_at=now - timedelta(days=200))
            s.flush()
            notices[name] = notice.id  # type: ignore[assignment]
    return notices


def _issue(engine: Engine, week: str, notice_ids: list[int]) -> int:
    with write_session(engine) as s:
        issue = Issue(week=week, subject=f"Issue {week}")
        s.add(issue)
        s.flush()
        for position, item_id in enumerate(notice_ids):
            s.add(
                IssueItem(
                    issue_id=issue.id, item_id=item_id, section=sec.SIGNALS, position=position
                )
            )  # type: ignore[arg-type]
        return issue.id  # type: ignore[return-value]


def _per_buyer_line(engine: Engine, item_id: int) -> str:
    """The line as each card computed it before: `find_buyer` + `buyer_items(limit=20)`."""
    with read_session(engine) as s:
        item = s.get(Item, item_id)
        assert item is not None
        buyer = find_buyer(item.buyer_key, session=s)
        assert buyer is not None
        found = buyer_items(buyer, session=s, limit=20)
        return signal_line(item, len(found.jobs), len(found.news))


def test_signal_lines_cost_the_same_queries_for_one_or_five_signals(any_engine: Engine) -> None:
    engine = any_engine  # SQLite, and PostgreSQL where it runs
    notices = _buyer_world(engine)
    ids = [notices[name] for name in COUNCILS]
    one = _issue(engine, "2026-W01", ids[:1])
    five = _issue(engine, "2026-W02", ids)
    costs = {}
    for issue_id, n in ((one, 1), (five, 5)):
        with statements(engine) as sent:
            content = load_issue_content(engine, issue_id)
        assert [c.item_id for c in content.signals] == ids[:n]
        assert [c.signal for c in content.signals] == [_per_buyer_line(engine, i) for i in ids[:n]]
        costs[n] = len(sent)
    assert costs[1] == costs[5], costs
    lines = [c.signal or "" for c in content.signals]
    # the busy buyer's 25 open jobs count as 20, as the email always said; closed, rejected
    # and old items are never counted
    assert "20 interim jobs at Durham County Council · 1 story" in lines[0]
    assert re.search(r"· 2 interim jobs at Leeds City Council · 2 stories$", lines[1]), lines[1]
    assert re.search(r"· 5 interim jobs at Cornwall Council · 5 stories$", lines[4]), lines[4]


def test_signals_read_their_buyers_jobs_and_news_in_a_fixed_number_of_queries(
    any_engine: Engine,
) -> None:
    engine = any_engine

    notices = _buyer_world(engine)
    first = notices[COUNCILS[0]]
    with write_session(engine) as s:  # one approved notice, four pending ones
        s.execute(
            sa.update(Item)
            .where(col(Item.kind) == "notice", col(Item.id) != first)
            .values(status="pending")
        )
    costs = {}
    for n, status in ((1, "approved"), (5, None)):
        with read_session(engine) as s, statements(engine) as sent:
            found = signals(session=s, status=status)
        costs[n] = len(sent)
        assert len(found) == n
    assert costs[1] == costs[5], costs
    with read_session(engine) as s:
        found = signals(session=s)
        assert sorted(f.notice.id for f in found) == sorted(notices.values())  # type: ignore[type-var]
        for signal in found:
            assert signal.buyer is not None
            each = buyer_items(signal.buyer, session=s, limit=5)
            assert [j.id for j in signal.jobs] == [j.id for j in each.jobs]
            assert [i.id for i in signal.news] == [i.id for i in each.news]
    busy = next(f for f in found if f.notice.id == first)
    assert (len(busy.jobs), len(busy.news)) == (5, 1)


def test_a_buyers_jobs_and_notices_keep_one_order_on_every_page_however_they_tie(
    any_engine: Engine,
) -> None:
    """Jobs published at the same moment (an employer's feed stamps a batch at once) came in
    one order on the buyer's page (a LIMIT with no tie-break) and maybe another on its signal
    (newest, then the highest id): one order everywhere, newest first, then the highest id."""
    engine = any_engine  # SQLite, and PostgreSQL where it runs
    now = utcnow()
    same = now - timedelta(days=2)  # every job and notice at one moment: ties only
    name = "Durham County Council"
    key = name_key(name)
    with write_session(engine) as s:
        src, _ = upsert_source("Ties test", session=s, url="https://ties.example.org/")
        s.add(Buyer(key=key, slug=key, name=name))
        items = [
            Item(
                source_id=src.id,  # type: ignore[arg-type]
                url=f"https://ties.example.org/{kind}/{n}",
                kind=kind,
                title=f"{kind} {n}",
                employer=name,
                buyer_key=key,
                status="approved",
                published_at=None if n % 3 == 0 else same,
                collected_at=same,  # the one without a date ties on its collection time
                extra={"notice": {"stage": "award", "buyer": {"name": name}}}
                if kind == "notice"
                else None,
            )
            for n in range(8)
            for kind in ("job", "notice")
        ]
        s.add_all(items)
        s.flush()
        jobs = sorted((i.id for i in items if i.kind == "job"), reverse=True)  # type: ignore[type-var]
        notices = sorted((i.id for i in items if i.kind == "notice"), reverse=True)  # type: ignore[type-var]
    with read_session(engine) as s:
        buyer = find_buyer(key, session=s)
        assert buyer is not None
        page = buyer_items(buyer, session=s, limit=5)  # the buyer's and the notice's pages
        assert [j.id for j in page.jobs] == jobs[:5]
        assert [n.id for n in page.notices] == notices[:5]
        found = signals(session=s, since=now - timedelta(days=3))
        assert len(found) == 8 and {len(f.jobs) for f in found} == {5}
        assert all([j.id for j in f.jobs] == jobs[:5] for f in found)
