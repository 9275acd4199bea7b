"""Building an issue: which items, in which sections and order; rebuilds keep edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, NotFoundError, ValidationError
from kil_feed.models import Issue, Item
from kil_feed.storage import issues as issues_db
from kil_feed.storage.items import save_item
from newsletter.build import build_issue
from newsletter.content import load_issue_content
from newsletter.edit import approve_issue, edit_issue
from tests.newsletter.conftest import tune
from tests.newsletter.world import NOW, WEEK, make_world


def _sections(engine: Engine, issue_id: int) -> dict[str, list[int]]:
    with read_session(engine) as s:
        rows = issues_db.placements(issue_id, session=s)
    out: dict[str, list[int]] = {}
    for row in sorted(rows, key=lambda r: (r.section, r.position)):
        out.setdefault(row.section, []).append(row.item_id)
    return out


def test_build_selects_fresh_approved_items_in_rank_order(
    any_engine: Engine, any_settings: Settings
) -> None:
    w = make_world(any_engine)
    issue = build_issue(any_engine, any_settings, now=NOW)
    assert issue is not None and issue.week == WEEK and issue.status == "draft"
    sections = _sections(any_engine, issue.id)  # type: ignore[arg-type]
    i = w.items
    # featured first despite a lower score, then by score; one card for the cluster
    assert sections["top"] == [i["insourcing"], i["act-lead"], i["social-value"], i["hostile"]]
    assert sections["jobs"] == [i["job-london"], i["job-manchester"]]  # by score
    placed = {item for ids in sections.values() for item in ids}
    for left_out in ("act-other", "stale", "rejected", "pending", "job-closed"):
        assert i[left_out] not in placed, left_out
    assert issue.subject == "Keep it Local, week 48: Council brings waste services back in-house"
    content = load_issue_content(any_engine, issue.id)  # type: ignore[arg-type]
    lead = next(c for c in content.top if c.item_id == i["act-lead"])
    assert lead.also == ("Public Finance",)


def test_section_limits_and_topic_sections(engine: Engine, settings: Settings) -> None:
    w = make_world(engine)
    tight = tune(settings, max_top_stories=1, max_news_per_topic=1, max_jobs=1)
    issue = build_issue(engine, tight, now=NOW)
    assert issue is not None
    sections = _sections(engine, issue.id)  # type: ignore[arg-type]
    assert sections["top"] == [w.items["insourcing"]]
    assert sections["news:procurement-reform"] == [w.items["act-lead"]]
    # two social-value stories, one allowed: the better ranked one
    assert sections["news:social-value"] == [w.items["social-value"]]
    assert sections["jobs"] == [w.items["job-london"]]


def test_empty_week_builds_nothing(any_engine: Engine, any_settings: Settings) -> None:
    assert build_issue(any_engine, any_settings, now=NOW) is None
    with read_session(any_engine) as s:
        assert issues_db.list_issues(session=s) == []


def test_bad_week_is_a_clear_error(engine: Engine, settings: Settings) -> None:
    with pytest.raises(ValidationError, match="ISO week"):
        build_issue(engine, settings, "2026-48")


def test_rebuild_keeps_subject_intro_order_and_drops(engine: Engine, settings: Settings) -> None:
    w = make_world(engine)
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    edit_issue(engine, issue.id, subject="My subject", intro="Hello readers")
    edit_issue(engine, issue.id, move=(w.items["hostile"], 1))
    edit_issue(engine, issue.id, drop=w.items["social-value"])
    # a new, better story arrives and the draft is rebuilt
    with write_session(engine) as s:
        save_item(
            Item(
                source_id=w.sources["lg"],
                url="https://news.example.org/new",
                title="Big new story",
                status="approved",
                score=10.0,
                published_at=NOW - timedelta(hours=5),
                collected_at=NOW - timedelta(hours=4),
            ),
            session=s,
        )
    again = build_issue(engine, settings, now=NOW)
    assert again is not None and again.id == issue.id
    assert (again.subject, again.intro) == ("My subject", "Hello readers")
    top = _sections(engine, issue.id)["top"]
    assert top[0] == w.items["hostile"]  # the editor's order holds
    assert w.items["social-value"] not in top  # the drop holds
    assert _sections(engine, issue.id)["dropped"] == [w.items["social-value"]]


def test_edit_add_and_approve_rules(engine: Engine, settings: Settings) -> None:
    w = make_world(engine)
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    with pytest.raises(ValidationError, match="rejected"):
        edit_issue(engine, issue.id, add=w.items["rejected"])
    edit_issue(engine, issue.id, add=w.items["act-other"])
    assert w.items["act-other"] in _sections(engine, issue.id)["news:procurement-reform"]
    approve_issue(engine, issue.id, settings=settings)
    with pytest.raises(ConflictError, match="no longer be rebuilt"):
        build_issue(engine, settings, now=NOW)
    # editing an approved issue sends it back to draft
    changes = edit_issue(engine, issue.id, intro="Changed")
    assert "back to draft" in changes[-1]
    with pytest.raises(NotFoundError):
        approve_issue(engine, 999, settings=settings)


def test_items_of_a_sent_issue_are_not_repeated(any_engine: Engine, any_settings: Settings) -> None:
    w = make_world(any_engine)
    first = build_issue(any_engine, any_settings, "2026-W47", now=NOW - timedelta(days=1))
    assert first is not None
    with write_session(any_engine) as s:
        issue = s.get(Issue, first.id)
        issue.status = "sent"  # type: ignore[union-attr]
        s.add(issue)
        # the next issue's window starts at the previous issue's build: make that earlier
        issue.created_at = NOW - timedelta(days=8)  # type: ignore[union-attr]
    # everything fresh went out in the sent issue: nothing is left for this week
    assert set(_sections(any_engine, first.id)["top"]) >= {w.items["insourcing"]}  # type: ignore[arg-type]
    assert build_issue(any_engine, any_settings, now=NOW) is None
    # an item collected after the previous issue was built does go in
    with write_session(any_engine) as s:
        save_item(
            Item(
                source_id=w.sources["lg"],
                url="https://news.example.org/later",
                title="Later story",
                status="approved",
                published_at=NOW - timedelta(hours=2),
                collected_at=NOW - timedelta(hours=1),
            ),
            session=s,
        )
    third = build_issue(any_engine, any_settings, now=NOW)
    assert third is not None
    titles = [c.title for c in load_issue_content(any_engine, third.id).cards()]  # type: ignore[arg-type]
    assert "Later story" in titles and "Council brings waste services back in-house" not in titles
