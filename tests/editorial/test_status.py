"""`kil status`: sources, this week's items, scheduled jobs, the draft issue, subscribers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.models import Issue, IssueItem, Subscriber
from kil_feed.storage import sources as source_store
from tests.support.editorial import add_item, add_source


@pytest.fixture
def filled(engine: Engine) -> dict[str, int]:
    ok = add_source(engine, "Healthy Feed")
    bad = add_source(engine, "Broken Feed")
    add_source(engine, "Off Feed", enabled=False)
    with write_session(engine) as s:
        good = source_store.get_source("Healthy Feed", session=s)
        broken = source_store.get_source("Broken Feed", session=s)
        error = "HTTP 500 from https://broken.example.org"
        failed = source_store.FetchOutcome(broken.id, error=error)  # type: ignore[arg-type]
        fine = source_store.FetchOutcome(good.id)  # type: ignore[arg-type]
        source_store.record_fetches([fine, failed], session=s)
        source_store.record_fetches([failed], session=s)
    a = add_item(engine, ok, "A", age_hours=0.1)
    add_item(engine, ok, "B", age_hours=0.1, status="approved")
    add_item(engine, bad, "C", age_hours=0.1, kind="job", status="approved")
    add_item(engine, ok, "Old", age_hours=24 * 10, status="rejected")  # an earlier week
    with write_session(engine) as s:
        issue = Issue(week="2026-W48", subject="Week 48")
        s.add(issue)
        s.flush()
        s.add(IssueItem(issue_id=issue.id, item_id=a, section="top"))
        s.add(Subscriber(email="a@example.org", status="confirmed"))
        s.add(Subscriber(email="b@example.org", status="confirmed"))
        s.add(Subscriber(email="c@example.org", status="unsubscribed"))
    return {"issue": issue.id}


def test_status_json(cli, filled, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("status", "--json").output)
    health = {s["name"]: (s["health"], s["last_error"]) for s in data["sources"]}
    assert health == {
        "Broken Feed": ("failing", "HTTP 500 from https://broken.example.org"),
        "Healthy Feed": ("healthy", None),
        "Off Feed": ("disabled", None),
    }
    week = data["items_this_week"]
    assert week["total"] == 3
    assert week["by_status"] == {"pending": 1, "approved": 2, "rejected": 0}
    assert week["by_kind"]["news"] == 2 and week["by_kind"]["job"] == 1
    assert data["draft_issue"] == {
        "id": filled["issue"],
        "week": "2026-W48",
        "subject": "Week 48",
        "items": 1,
        "sections": {"top": 1},
    }
    assert data["subscribers"]["confirmed"] == 2 and data["subscribers"]["unsubscribed"] == 1
    schedule = data["schedule"]
    assert schedule["available"] is True and schedule["error"] is None
    assert {j["job"] for j in schedule["jobs"]} == {
        "crawl",
        "build",
        "send",
        "housekeeping",
        "retry",
    }
    assert schedule["recent_runs"] == []


def test_status_for_people_with_a_scheduler(cli, filled, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import kil_feed.scheduler

    when = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    monkeypatch.setattr(
        kil_feed.scheduler, "upcoming", lambda engine, settings: [("build", when), ("send", None)]
    )
    out = cli("status").output
    assert "failing" in out and "HTTP 500" in out
    from kil_feed.timeutil import human_time

    shown = human_time(when, tz="Europe/London")  # relative to now: "yesterday 06:00" ...
    assert "build" in out and shown in out and "paused" in out
    assert "2026-W48, 1 item(s) (top 1)" in out
    assert "confirmed 2" in out
    data = json.loads(cli("status", "--json").output)
    assert data["schedule"]["jobs"][0] == {"job": "build", "next_run": when.isoformat()}


def test_status_on_an_empty_database(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("status").output
    assert "no sources yet" in out and "none" in out
    assert json.loads(cli("status", "--json").output)["draft_issue"] is None
