"""`kil issue ...` end to end in-process, asserting on the database and the output."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.cli.issue import parse_rate
from kil_feed.db import read_session
from kil_feed.errors import ValidationError
from kil_feed.storage.issues import list_issues
from kil_feed.timeutil import iso_week, utcnow
from tests.newsletter.world import make_world


def test_build_on_an_empty_week_says_so(cli: Any, engine: Engine) -> None:
    result = cli("issue", "build")
    assert "no issue was built" in result.output.lower()
    with read_session(engine) as s:
        assert list_issues(session=s) == []
    assert "ISO week" in cli("issue", "build", "--week", "48", ok=False).output


def test_a_week_more_than_a_year_ahead_is_refused(cli: Any, engine: Engine) -> None:
    """`--week 9999-W01` built a draft for the year 9999 and exited 0."""
    make_world(engine, now=utcnow())
    today = utcnow()
    latest = iso_week(today + timedelta(weeks=52))
    result = cli("issue", "build", "--week", "9999-w01", ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: week 9999-W01 is more than a year ahead (give a week up to {latest})"
    ]
    beyond = iso_week(today + timedelta(weeks=53))
    assert f"week {beyond} is more than" in cli("issue", "build", "--week", beyond, ok=False).stderr
    with read_session(engine) as s:
        assert list_issues(session=s) == []
    assert json.loads(cli("issue", "build", "--week", latest, "--json").stdout)["week"] == latest
    old = json.loads(cli("issue", "build", "--week", "2020-W01", "--json").stdout)
    assert old["week"] == "2020-W01" and old["built"] is False  # the archive's past weeks


def test_issue_workflow(cli: Any, engine: Engine, tmp_path: Path) -> None:
    w = make_world(engine, now=utcnow())
    out = cli("issue", "build").output
    assert "issue 1 for " + iso_week(utcnow()) in out
    listed = json.loads(cli("issue", "list", "--json").output)
    assert [(i["id"], i["status"], i["items"]) for i in listed] == [(1, "draft", 6)]
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    top = [i["item_id"] for i in shown["items_by_section"] if i["section"] == "top"]
    assert top[0] == w.items["insourcing"]
    cli("issue", "edit", "1", "--subject", "Hello\r\nBcc: x@example.org", "--intro", "Hi all")
    cli("issue", "edit", "1", "--move", str(w.items["hostile"]), "1")
    cli("issue", "edit", "1", "--drop", str(w.items["social-value"]))
    assert "not in this issue" in cli("issue", "edit", "1", "--drop", "999", ok=False).output
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    assert shown["subject"] == "Hello Bcc: x@example.org" and shown["intro"] == "Hi all"
    top = [i["item_id"] for i in shown["items_by_section"] if i["section"] == "top"]
    assert top[0] == w.items["hostile"] and w.items["social-value"] not in top
    # rebuilding keeps all that
    cli("issue", "build")
    again = json.loads(cli("issue", "show", "1", "--json").output)
    assert again["items_by_section"] == shown["items_by_section"]
    assert again["subject"] == shown["subject"]
    # previews
    html = cli("issue", "preview", "1", "--subscriber", "nw@example.org").output
    assert "Near you: interim jobs" in html and "/unsubscribe/" in html
    text = cli("issue", "preview", "1", "--format", "text").output
    assert "INTERIM JOBS" in text and "Unsubscribe: https://kil.example.org/unsubscribe/" in text
    eml = tmp_path / "issue.eml"
    cli("issue", "preview", "1", "--format", "eml", "--out", str(eml))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["Subject"] == "Hello Bcc: x@example.org" and msg["List-Unsubscribe-Post"]
    assert "unknown format" in cli("issue", "preview", "1", "--format", "pdf", ok=False).output
    # send needs approval; dry run does not send
    assert "approve it first" in cli("issue", "send", "1", ok=False).output
    cli("issue", "approve", "1")
    dry = json.loads(cli("issue", "send", "1", "--dry-run", "--json").output)
    assert dry["dry_run"] and dry["recipients"] == 4 and dry["sent"] == 0
    sent = json.loads(cli("issue", "send", "1", "--json").output)
    assert (sent["sent"], sent["status"]) == (4, "sent")
    assert len(list(Path("outbox/new").glob("*.eml"))) == 4
    assert "nothing to send" in cli("issue", "send", "1").output
    listed = json.loads(cli("issue", "list", "--json").output)
    assert (listed[0]["status"], listed[0]["sent"]) == ("sent", 4)
    assert "can no longer be edited" in cli("issue", "edit", "1", "--intro", "x", ok=False).output


def test_send_to_smtp_with_rate_and_limit(
    cli: Any, engine: Engine, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "approve", "1")
    out = cli("issue", "send", "1", "--limit", "2", "--rate", "50/s").output
    assert "2 sent" in out and "2 still pending" in out
    assert len(smtp_server.messages) == 2
    cli("issue", "send", "1", "--to", "me@example.org")
    assert smtp_server.recipients()[-1] == "me@example.org"
    cli("issue", "send", "1")
    assert sorted(smtp_server.recipients()) == sorted(
        [
            "eve@example.org",
            "london@example.org",
            "national@example.org",
            "nw@example.org",
            "me@example.org",
        ]
    )


def test_unknown_issue_is_one_line(cli: Any) -> None:
    result = cli("issue", "show", "42", ok=False)
    assert result.exit_code == 4 and "no issue with id 42" in result.output
    assert "Traceback" not in result.output


def test_parse_rate() -> None:
    assert parse_rate("10/s") == 10 and parse_rate("600/m") == 10 and parse_rate("5") == 5
    assert parse_rate(None) is None
    with pytest.raises(ValidationError):
        parse_rate("fast")


def test_repeated_drops_all_apply_and_an_emptied_issue_is_not_sent(
    cli: Any, engine: Engine
) -> None:
    make_world(engine, now=utcnow())
    cli("issue", "build")
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    ids = [i["item_id"] for i in shown["items_by_section"] if i["section"] != "dropped"]
    assert len(ids) == 6
    dropped = cli("issue", "edit", "1", *[a for i in ids for a in ("--drop", str(i))]).output
    assert all(f"item {i} dropped" in dropped for i in ids)  # every one, not only the last
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    assert {i["section"] for i in shown["items_by_section"]} == {"dropped"}
    refused = cli("issue", "approve", "1", ok=False)
    assert refused.exit_code == 5 and "has no items" in refused.stderr
    assert "has no items" in cli("issue", "send", "1", ok=False).stderr
    added = cli("issue", "edit", "1", "--add", str(ids[0]), "--add", str(ids[1])).output
    assert f"item {ids[0]} added" in added and f"item {ids[1]} added" in added


def test_repeated_moves_all_apply_in_order(cli: Any, engine: Engine) -> None:
    make_world(engine, now=utcnow())
    cli("issue", "build")

    def section(name: str) -> list[int]:
        shown = json.loads(cli("issue", "show", "1", "--json").output)
        return [i["item_id"] for i in shown["items_by_section"] if i["section"] == name]

    name = next(s for s in ("news", "top") if len(section(s)) >= 3)
    first, second, third = section(name)[:3]
    out = cli("issue", "edit", "1", "--move", str(third), "1", "--move", str(second), "1").output
    assert (
        f"item {third} moved to position 1" in out and f"item {second} moved to position 1" in out
    )
    assert section(name)[:3] == [second, third, first]  # both moves, the second last
    bad = cli("issue", "edit", "1", "--move", str(first), "x", ok=False)
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@pytest.mark.timeout(120)
def test_an_outbox_that_cannot_be_written_stops_the_send_in_one_line(
    cli: Any, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`outbox_dir` under a file: each sending thread died on NotADirectoryError with its
    traceback, and `kil issue send` waited for them forever."""
    make_world(engine, now=utcnow())
    cli("issue", "build")
    cli("issue", "approve", "1")
    (tmp_path / "a-file").write_text("")
    outbox = tmp_path / "a-file" / "outbox"
    monkeypatch.setenv("KIL_OUTBOX_DIR", str(outbox))
    expected = (
        f"error: cannot write into the file outbox {outbox}: Not a directory (check outbox_dir)"
    )
    for command in (["issue", "send", "1", "--to", "me@example.org"], ["issue", "send", "1"]):
        result = cli(*command, ok=False)
        assert result.exit_code == 7, (command, result.output)
        assert result.stderr.splitlines() == [expected], command
    listed = json.loads(cli("issue", "list", "--json").output)
    assert listed[0]["sent"] == 0
    monkeypatch.setenv("KIL_OUTBOX_DIR", str(tmp_path / "outbox"))
    sent = json.loads(cli("issue", "send", "1", "--json").output)  # the same command, later
    assert (sent["sent"], sent["status"]) == (4, "sent")
