"""A draft's built subject follows its lead story (its title edited, another story moved to
the top, the lead dropped) until an editor sets one with `--subject`, which then stays; the
email that goes out carries the subject `kil issue show` shows. Through the `kil` CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.timeutil import utcnow
from tests.newsletter.world import make_world


def _issue(cli: Any) -> dict[str, Any]:
    return json.loads(cli("issue", "show", "1", "--json").output)


def _lead(shown: dict[str, Any]) -> int:
    return next(i["item_id"] for i in shown["items_by_section"] if i["section"] == "top")


def test_an_auto_subject_follows_its_lead_until_an_editor_sets_one(
    cli: Any, engine: Engine
) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    built = _issue(cli)
    lead = _lead(built)
    assert lead == w.items["insourcing"]
    old_title = next(i["title"] for i in built["items_by_section"] if i["item_id"] == lead)
    assert old_title in built["subject"]

    cli("items", "edit", str(lead), "--title", "Councils bring waste collection back in house")
    edited = _issue(cli)
    assert "Councils bring waste collection back in house" in edited["subject"]
    assert old_title not in edited["subject"]

    # another story moved to the top leads the subject now
    cli("issue", "edit", "1", "--move", str(w.items["hostile"]), "1")
    moved = _issue(cli)
    new_lead = _lead(moved)
    assert new_lead == w.items["hostile"] and "Councils bring" not in moved["subject"]
    cli("items", "edit", str(new_lead), "--title", "Framework for social care agency staff")
    assert "Framework for social care agency staff" in _issue(cli)["subject"]

    # an editor's subject stays, whatever the lead does, through a rebuild too
    cli("issue", "edit", "1", "--subject", "Our pick of the week")
    cli("items", "edit", str(new_lead), "--title", "Something else entirely")
    cli("issue", "edit", "1", "--drop", str(new_lead))
    cli("issue", "build")
    assert _issue(cli)["subject"] == "Our pick of the week"


def test_the_email_carries_the_subject_of_the_edited_lead(cli: Any, engine: Engine) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "approve", "1")
    cli("items", "edit", str(w.items["insourcing"]), "--title", "Insourcing pays off in Leeds")
    shown = _issue(cli)
    assert "Insourcing pays off in Leeds" in shown["subject"]
    cli("issue", "send", "1")
    subjects = set()
    for eml in Path("outbox/new").glob("*.eml"):
        head = eml.read_text(encoding="utf-8").split("\n\n", 1)[0]
        subjects |= {line for line in head.splitlines() if line.startswith("Subject:")}
    assert subjects == {f"Subject: {shown['subject']}"}
    # sent: the subject went out as it was and stays so
    cli("items", "edit", str(w.items["insourcing"]), "--title", "Renamed after the send")
    assert _issue(cli)["subject"] == shown["subject"]


def _as_before_0026(engine: Engine, subject: str | None = None) -> None:
    """Issue 1 as migration 0026 leaves an issue built before it: `subject_set` unknown."""
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE issue SET subject_set = NULL WHERE id = 1"))
        if subject is not None:
            conn.execute(sa.text("UPDATE issue SET subject = :s WHERE id = 1"), {"s": subject})


def _subject_set(engine: Engine) -> bool | None:
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT subject_set FROM issue WHERE id = 1")).scalar()
    return None if value is None else bool(value)


def test_a_built_subject_from_before_the_flag_follows_an_editors_stays(
    cli: Any, engine: Engine
) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    _as_before_0026(engine)
    cli("items", "edit", str(w.items["insourcing"]), "--title", "Leeds brings bins back in house")
    assert "Leeds brings bins back in house" in _issue(cli)["subject"]
    assert _subject_set(engine) is False

    _as_before_0026(engine, subject="Chosen by the editors")
    cli("items", "edit", str(w.items["insourcing"]), "--title", "Another title")
    cli("issue", "build")
    shown = _issue(cli)
    assert shown["subject"] == "Chosen by the editors" and shown["subject_set"] is True


def test_auto_subject_turns_an_editors_subject_back_into_the_built_one(
    cli: Any, engine: Engine
) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    built = _issue(cli)["subject"]
    cli("issue", "edit", "1", "--subject", "Our pick of the week")
    cli("issue", "approve", "1")
    back = cli("issue", "edit", "1", "--auto-subject")
    assert "subject built from the lead story" in back.output
    shown = _issue(cli)
    assert (shown["subject"], shown["subject_set"], shown["status"]) == (built, False, "draft")
    cli("issue", "approve", "1")
    again = cli("issue", "edit", "1", "--auto-subject").output
    assert "subject already built from the lead story" in again
    assert _issue(cli)["status"] == "approved"  # nothing changed: still approved
    # it follows the lead again
    cli("items", "edit", str(w.items["insourcing"]), "--title", "Leeds brings bins back in house")
    assert "Leeds brings bins back in house" in _issue(cli)["subject"]

    both = cli("issue", "edit", "1", "--subject", "x", "--auto-subject", ok=False)
    assert both.exit_code == 2 and "--subject and --auto-subject" in both.output
    empty = cli("issue", "edit", "1", "--subject", "  ", ok=False)
    assert empty.exit_code == 2 and "--auto-subject" in empty.output  # the hint says how

    cli("issue", "send", "1")  # still approved
    sent = _issue(cli)["subject"]
    refused = cli("issue", "edit", "1", "--auto-subject", ok=False)
    assert refused.exit_code == 5
    assert refused.output.strip().splitlines() == [
        "error: issue 1 is sent and can no longer be edited"
    ]
    assert _issue(cli)["subject"] == sent


def test_auto_subject_is_in_the_help(cli: Any) -> None:
    assert "--auto-subject" in cli("issue", "edit", "--help").output
