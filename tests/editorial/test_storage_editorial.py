"""Editorial storage on SQLite and PostgreSQL: selection, clusters, decisions, undo,
subscribers and status counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, NotFoundError, ValidationError
from kil_feed.models import Delivery, Issue, IssueItem, ItemTag
from kil_feed.regions import ITL1_REGIONS
from kil_feed.storage import curation, status
from kil_feed.storage import subscribers as subs
from kil_feed.timeutil import utcnow
from tests.support.editorial import add_item, add_source, get


def test_region_names_match_the_classifier() -> None:
    gazetteer = pytest.importorskip("crawler.classify.gazetteer")
    assert gazetteer.ITL1_REGIONS == ITL1_REGIONS


def test_selection_clusters_and_decisions(any_engine: Engine) -> None:
    a_src, b_src = add_source(any_engine, "A"), add_source(any_engine, "B")
    one = add_item(any_engine, a_src, "One", cluster_id=9, topics=["procurement"], age_hours=1)
    two = add_item(any_engine, b_src, "Two", cluster_id=9, age_hours=2)
    three = add_item(any_engine, b_src, "Three", regions=["Wales"], age_hours=24 * 9)
    with read_session(any_engine) as s:
        assert [i.id for i in curation.items_by_ids([two, one], session=s)] == [two, one]
        with pytest.raises(NotFoundError, match="no items with ids 98, 99"):
            curation.items_by_ids([one, 98, 99], session=s)
        flt = curation.ItemFilter(since=utcnow() - timedelta(days=7))
        assert [i.id for i in curation.select_items(flt, session=s)] == [one, two]
        flt = curation.ItemFilter(regions=("Wales",), source="B")
        assert [i.id for i in curation.select_items(flt, session=s)] == [three]
        with pytest.raises(NotFoundError):
            curation.select_items(curation.ItemFilter(source="Z"), session=s)
        first = curation.items_by_ids([one], session=s)
        assert [i.id for i in curation.cluster_extras(first, session=s)] == [two]
        assert curation.other_sources_count(first[0], session=s) == 1
    with write_session(any_engine) as s:
        item = curation.items_by_ids([one], session=s)[0]
        before = curation.snapshot(item)
        curation.apply_action(item, "feature", session=s)
        curation.edit_item(item, session=s, title="One!", topics=["jobs"], regions=["London"])
    got = get(any_engine, one)
    assert (got.status, got.featured, got.title) == ("approved", True, "One!")
    with read_session(any_engine) as s:
        tags = {(t.kind, t.value) for t in s.exec(select(ItemTag).where(ItemTag.item_id == one))}
    assert tags == {("topic", "jobs"), ("region", "London")}
    with write_session(any_engine) as s:
        curation.restore(one, before, session=s)
        with pytest.raises(ValidationError):
            curation.apply_action(curation.items_by_ids([two], session=s)[0], "bless", session=s)
    got = get(any_engine, one)
    assert (got.status, got.featured, got.title, got.topics) == (
        "pending",
        False,
        "One",
        ["procurement"],
    )
    with write_session(any_engine) as s:
        item = curation.items_by_ids([two], session=s)[0]
        curation.apply_action(item, "reject", session=s, reason="dup")
    with read_session(any_engine) as s:
        assert curation.editor_rejections(session=s) == [("B", "Two", "dup")]
        assert curation.approved_titles(session=s) == []


def test_subscribers_and_status_counts(any_engine: Engine) -> None:
    with write_session(any_engine) as s:
        sub = subs.add_subscriber("Ann@Example.org", session=s, regions=["London"])
        with pytest.raises(ConflictError):
            subs.add_subscriber("ann@example.ORG", session=s)
        with pytest.raises(ValidationError):
            subs.add_subscriber("ann@", session=s)
        assert subs.update_subscriber(sub, session=s, name="Ann", status="bounced")
        assert not subs.update_subscriber(sub, session=s, name="Ann")
        issue = Issue(week="2026-W02")
        s.add(issue)
        s.flush()
        s.add(Delivery(issue_id=issue.id, subscriber_id=sub.id))
        subs.add_subscriber("bo@example.org", session=s, status="pending")
    with read_session(any_engine) as s:
        got = subs.get_subscriber("ANN@example.org", session=s)
        assert (got.status, got.name) == ("bounced", "Ann") and got.bounced_at is not None
        assert subs.status_counts(session=s) == {"bounced": 1, "pending": 1}
    with write_session(any_engine) as s:
        subs.remove_subscriber("ann@example.org", session=s)
    with read_session(any_engine) as s:
        assert subs.find_subscriber("ann@example.org", session=s) is None
        assert s.exec(select(Delivery)).all() == []


def test_status_queries(any_engine: Engine) -> None:
    src = add_source(any_engine, "A")
    one = add_item(any_engine, src, "One", status="approved")
    add_item(any_engine, src, "Two", kind="job")
    add_item(any_engine, src, "Old", age_hours=24 * 30)
    with write_session(any_engine) as s:
        for week in ("2026-W01", "2026-W02"):
            issue = Issue(week=week)
            s.add(issue)
        s.flush()
        s.add(IssueItem(issue_id=issue.id, item_id=one, section="jobs"))
    now = utcnow()
    with read_session(any_engine) as s:
        counts = status.item_counts(now - timedelta(days=7), now, session=s)
        assert sorted(counts) == [("approved", "news", 1), ("pending", "job", 1)]
        draft = status.current_draft(session=s)
        assert draft is not None and draft.week == "2026-W02"
        assert status.issue_sections(draft.id, session=s) == {"jobs": 1}
