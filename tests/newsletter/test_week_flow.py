"""An editor's real week (issue #17): late approvals reach the next issue, undated items
do not lead, subjects fit, `issue show` follows the email, test copies say so."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.cli.itemview import item_card
from kil_feed.config import Settings, load_settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConfigError
from kil_feed.models import Issue, Item
from kil_feed.storage import issues as issues_db
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import iso_week, utcnow, week_bounds
from kil_feed.web.app import create_app
from newsletter.build import build_issue, waiting_items
from newsletter.content import load_issue_content
from newsletter.subject import SUBJECT_CHARS, subject_for
from tests.newsletter.conftest import tune
from tests.newsletter.world import NOW, World, make_world

LONG_TITLE = (
    "Council confirms the award of its new adult social care framework after a long "
    "procurement, with contract details notice published"
)


def _sent(engine: Engine, issue_id: int, built_at: Any) -> None:
    """Mark an issue sent, built at `built_at` (its build time bounded the old window)."""
    with write_session(engine) as s:
        issue = s.get(Issue, issue_id)
        assert issue is not None
        issue.status, issue.created_at = "sent", built_at
        s.add(issue)


def _set(engine: Engine, item_id: int, **fields: Any) -> None:
    with write_session(engine) as s:
        item = s.get(Item, item_id)
        assert item is not None
        for key, value in fields.items():
            setattr(item, key, value)
        save_item(item, session=s)


def _add(engine: Engine, world: World, key: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "source_id": world.sources["lg"],
        "url": f"https://news.example.org/{key}",
        "title": key,
        "status": "approved",
        "published_at": NOW - timedelta(hours=5),
        "collected_at": NOW - timedelta(hours=4),
    }
    values.update(fields)
    with write_session(engine) as s:
        item = Item(**values)
        save_item(item, session=s)
        return item.id  # type: ignore[return-value]


def _placed(engine: Engine, issue_id: int) -> dict[int, str]:
    with read_session(engine) as s:
        return {r.item_id: r.section for r in issues_db.placements(issue_id, session=s)}


# --- 1. late approvals ---------------------------------------------------------------------


def test_an_item_approved_after_its_week_went_out_reaches_the_next_issue(
    any_engine: Engine, any_settings: Settings
) -> None:
    w = make_world(any_engine)
    first = build_issue(any_engine, any_settings, "2026-W47", now=NOW - timedelta(hours=2))
    assert first is not None and first.id is not None
    assert w.items["pending"] not in _placed(any_engine, first.id)
    _sent(any_engine, first.id, NOW - timedelta(hours=2))
    # approved after the send: collected before that build, so outside the old window
    _set(any_engine, w.items["pending"], status="approved")
    old_job = _add(
        any_engine, w, "old-open-job", kind="job", collected_at=NOW - timedelta(days=30),
        published_at=NOW - timedelta(days=31), closes_at=NOW + timedelta(days=3),
    )  # fmt: skip
    old_news = _add(
        any_engine, w, "too-old-news", collected_at=NOW - timedelta(days=20),
        published_at=NOW - timedelta(days=20),
    )  # fmt: skip
    waiting = waiting_items(any_engine, any_settings, now=NOW)
    assert waiting.count == 2  # the late approval and the old but still open job
    assert waiting.oldest is not None and (NOW - waiting.oldest).days == 31
    assert "2 approved items are waiting" in waiting.describe(NOW)
    assert "31 days ago" in waiting.describe(NOW)
    second = build_issue(any_engine, any_settings, "2026-W48", now=NOW)
    assert second is not None and second.id is not None
    placed = _placed(any_engine, second.id)
    assert w.items["pending"] in placed and old_job in placed
    assert old_news not in placed  # older than max_news_age_days
    for carried in ("insourcing", "act-lead", "job-london"):
        assert w.items[carried] not in placed, carried  # the sent issue had them


def test_status_and_build_say_what_is_waiting(cli: Any, engine: Engine) -> None:
    make_world(engine, now=utcnow())
    data = json.loads(cli("status", "--json").output)
    assert data["waiting_items"]["count"] == 7
    assert data["waiting_items"]["oldest"] is not None
    assert "7 approved items are waiting" in cli("status").output
    assert "7 approved items are waiting for an issue" in cli("issue", "build").output


def test_building_a_past_week_counts_only_what_its_issue_can_hold(cli: Any, engine: Engine) -> None:
    now = utcnow()
    this_start = week_bounds(iso_week(now))[0]
    last_week = iso_week(this_start - timedelta(days=3))
    empty_week = iso_week(this_start - timedelta(days=10))
    with write_session(engine) as s:
        source, _ = upsert_source("LocalGov News", session=s, url="https://lg.example.org/f")
    when = {
        "last-week": week_bounds(last_week)[0] + timedelta(hours=12),
        "this-week-1": this_start + (now - this_start) / 3,
        "this-week-2": this_start + (now - this_start) / 2,
    }
    ids = {}
    with write_session(engine) as s:
        for key, at in when.items():
            item = Item(source_id=source.id, url=f"https://lg.example.org/{key}", title=key,
                        status="approved", published_at=at, collected_at=at)  # fmt: skip
            save_item(item, session=s)
            ids[key] = item.id
    out = cli("issue", "build", "--week", last_week).output
    assert f"1 approved item collected by the end of {last_week} is waiting" in out
    assert "2 collected since wait for a later week's issue" in out
    assert f"for {last_week} (draft): 1 item —" in out
    again = json.loads(cli("issue", "build", "--week", last_week, "--json").output)
    assert again["built"] and again["week"] == last_week == again["issue"]["week"]
    assert (again["issue"]["items"], again["issue"]["status"]) == (1, "draft")
    waiting = again["waiting_items"]
    assert (waiting["count"], waiting["later"], waiting["week"]) == (1, 2, last_week)
    assert waiting["oldest"] == when["last-week"].isoformat()
    shown = json.loads(cli("issue", "show", str(again["issue"]["id"]), "--json").output)
    assert [i["item_id"] for i in shown["items_by_section"]] == [ids["last-week"]]
    # a week before any of them: nothing for it, and the later ones said to be later's
    empty = json.loads(cli("issue", "build", "--week", empty_week, "--json").output)
    assert (empty["built"], empty["issue"]) == (False, None)
    assert (empty["waiting_items"]["count"], empty["waiting_items"]["later"]) == (0, 3)
    text = cli("issue", "build", "--week", empty_week).output
    assert f"no approved items collected by the end of {empty_week} are waiting" in text
    # this week's issue may carry all three (last week's was never sent): no "later" then
    current = json.loads(cli("issue", "build", "--json").output)
    assert (current["waiting_items"]["count"], current["waiting_items"]["later"]) == (3, 0)
    assert current["issue"]["items"] == 3 and current["week"] == iso_week(now)


# --- 2. estimated dates --------------------------------------------------------------------


def test_an_undated_item_never_leads_nor_makes_the_subject(
    engine: Engine, settings: Settings
) -> None:
    w = make_world(engine)
    undated = _add(engine, w, "Undated but high scoring", score=50.0, date_estimated=True)
    _set(engine, w.items["insourcing"], featured=False)
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    content = load_issue_content(engine, issue.id)
    top = [c.item_id for c in content.top]
    assert top[0] == w.items["act-lead"] and undated in top
    assert top.index(undated) == len(top) - 1  # after every item with a real date
    assert issue.subject == "Keep it Local, week 48: Procurement Act 2023 goes live for councils"
    # when only undated items are there, the subject carries no lead at all
    with write_session(engine) as s:
        for item in s.exec(select(Item)).all():
            item.date_estimated = True
            s.add(item)
    again = build_issue(engine, settings, "2026-W47", now=NOW - timedelta(days=1))
    assert again is not None and again.subject == "Keep it Local, week 47"


def test_the_review_card_and_items_show_flag_an_estimated_date(cli: Any, engine: Engine) -> None:
    w = make_world(engine, now=utcnow())
    _set(engine, w.items["pending"], date_estimated=True)
    with read_session(engine) as s:
        item = s.get(Item, w.items["pending"])
    out = io.StringIO()
    Console(file=out, width=120).print(item_card(item, "LocalGov News", 0))  # type: ignore[arg-type]
    assert "date estimated" in out.getvalue()
    shown = cli("items", "show", str(w.items["pending"])).output
    assert "published_at" in shown and "(date estimated: collection time)" in shown
    plain = cli("items", "show", str(w.items["insourcing"])).output
    assert "(date estimated" not in plain


# --- 3. subjects ---------------------------------------------------------------------------


def test_a_long_lead_is_cut_at_a_word_and_the_web_page_keeps_it_whole(
    engine: Engine, settings: Settings
) -> None:
    w = make_world(engine)
    _set(engine, w.items["insourcing"], title=LONG_TITLE)
    issue = build_issue(engine, settings, now=NOW)
    assert issue is not None and issue.id is not None
    assert len(issue.subject) <= SUBJECT_CHARS and issue.subject.endswith("…")
    kept = issue.subject.removeprefix("Keep it Local, week 48: ").removesuffix("…")
    assert LONG_TITLE.startswith(kept) and LONG_TITLE[len(kept)] == " "  # a whole word
    assert issue.headline == f"Keep it Local, week 48: {LONG_TITLE}"
    _sent(engine, issue.id, NOW)
    app = create_app(settings)
    with TestClient(app) as client:
        page = client.get(f"/issues/{issue.id}").text
        listing = client.get("/issues").text
    app.state.engine.dispose()
    assert f"<h1>Keep it Local, week 48: {LONG_TITLE}</h1>" in page
    assert LONG_TITLE in listing and "…" not in listing


def test_the_subject_template_is_a_setting(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(engine)
    mine = tune(settings, subject_template="KiL {year} #{week} | {lead}")
    issue = build_issue(engine, mine, now=NOW)
    assert issue is not None
    assert issue.subject == "KiL 2026 #48 | Council brings waste services back in-house"
    assert subject_for("{lead} (week {week})", "2026-W48", LONG_TITLE)[0].endswith("… (week 48)")
    assert len(subject_for("{lead} (week {week})", "2026-W48", LONG_TITLE)[0]) <= SUBJECT_CHARS
    monkeypatch.setenv("KIL_NEWSLETTER__SUBJECT_TEMPLATE", "Week {weak}: {lead}")
    with pytest.raises(ConfigError, match="subject_template.*weak"):
        load_settings()


# --- 4. issue show, edit --move, build on a sent week ----------------------------------------


def test_issue_show_follows_the_email_and_moves_are_clamped(
    cli: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_TOP_STORIES", "1")
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "edit", "1", "--drop", str(w.items["hostile"]))
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    order = list(dict.fromkeys(i["section"] for i in shown["items_by_section"]))
    assert order == ["top", "news:procurement-reform", "news:social-value", "jobs", "dropped"]
    table = cli("issue", "show", "1").output
    assert table.index("top") < table.index("news:") < table.index("jobs") < table.index("dropped")
    out = cli("issue", "edit", "1", "--move", str(w.items["job-london"]), "99").output
    assert "moved to position 2 of 2 in jobs" in out and "position 99" not in out
    jobs = [i["item_id"] for i in json.loads(cli("issue", "show", "1", "--json").output)[
        "items_by_section"] if i["section"] == "jobs"]  # fmt: skip
    assert jobs[-1] == w.items["job-london"]


def test_building_a_week_that_went_out_gives_advice_that_works(cli: Any, engine: Engine) -> None:
    make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "approve", "1")
    approved = cli("issue", "build", ok=False).output
    assert "kil issue edit 1" in approved
    cli("issue", "send", "1")
    sent = cli("issue", "build", ok=False).output
    assert "can no longer be rebuilt" in sent and "kil issue edit" not in sent
    assert "kil issue build --week" in sent
    week = sent.split("kil issue build --week ")[1][:8]
    assert week > json.loads(cli("issue", "list", "--json").output)[0]["week"]


# --- 5. test copies ------------------------------------------------------------------------


def test_a_test_copy_says_test_in_its_subject(
    cli: Any, engine: Engine, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "send", "1", "--to", "me@example.org")
    (copy,) = smtp_server.messages
    subject = copy.message["Subject"]
    assert subject.startswith("[TEST] Keep it Local, week ")
    cli("issue", "approve", "1")
    cli("issue", "send", "1")
    real = [m.message["Subject"] for m in smtp_server.messages[1:]]
    assert real and all(not s.startswith("[TEST]") for s in real)
