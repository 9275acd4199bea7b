"""`kil issue approve` checks, and keeps, the subject the issue has now (the one `kil issue
list`, `kil status` and the send show), not the one stored at the last build or edit: a
re-crawl may have changed the lead's title since. A subject that is now empty is refused
in one line, at the approve and at the send. Through the `kil` CLI on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.engine import Engine

from kil_feed.timeutil import utcnow
from tests.newsletter.world import RECRAWLED, World, make_world, recrawl_lead

NOTHING_READABLE = '<img src="x" onerror="alert(1)">&nbsp;'  # no text once made plain


def _stored_subject(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT subject FROM issue WHERE id = 1")).scalar_one()


def _status(cli: Any) -> str:
    return json.loads(cli("issue", "show", "1", "--json").output)["status"]


def _lead_only(cli: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> World:
    """This week's issue built with the subject template `{lead}` (the lead's title alone)."""
    monkeypatch.setenv("KIL_NEWSLETTER__SUBJECT_TEMPLATE", "{lead}")
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    assert _stored_subject(engine)  # built from a readable lead
    return w


def _no_subject_line(refused: Result) -> str:
    """The one line on stderr a refusal for want of a subject gives (exit 5, a conflict)."""
    assert refused.exit_code == 5 and "Traceback" not in refused.output
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "issue 1 has no subject" in lines[0], refused.stderr
    return lines[0]


def test_approve_checks_and_keeps_the_subject_the_issue_has_now(cli: Any, engine: Engine) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    built = _stored_subject(engine)
    recrawl_lead(engine, w)
    listed = json.loads(cli("issue", "list", "--json").output)[0]["subject"]
    assert RECRAWLED in listed and listed != built
    assert json.loads(cli("status", "--json").output)["draft_issue"]["subject"] == listed

    approved = cli("issue", "approve", "1").output
    assert f"subject: {listed}" in approved  # what the editor approved, said
    assert _stored_subject(engine) == listed  # and kept, as list, status and the send show
    shown = json.loads(cli("issue", "show", "1", "--json").output)
    assert (shown["status"], shown["subject"]) == ("approved", listed)


def test_a_subject_the_lead_now_leaves_empty_is_refused_in_one_line(
    cli: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _lead_only(cli, engine, monkeypatch)
    recrawl_lead(engine, w, NOTHING_READABLE)
    assert json.loads(cli("issue", "list", "--json").output)[0]["subject"] == ""

    line = _no_subject_line(cli("issue", "approve", "1", ok=False))
    assert "kil issue edit 1 --subject" in line  # how to give it one
    assert _status(cli) == "draft"
    cli("issue", "edit", "1", "--subject", "Our pick of the week")  # the hint works
    assert "subject: Our pick of the week" in cli("issue", "approve", "1").output


def test_the_send_refuses_an_approved_issue_whose_subject_became_empty(
    cli: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = _lead_only(cli, engine, monkeypatch)
    cli("issue", "approve", "1")
    recrawl_lead(engine, w, NOTHING_READABLE)

    _no_subject_line(cli("issue", "send", "1", ok=False))
    assert not list(Path("outbox").glob("**/*.eml"))  # nothing went out
    assert _status(cli) == "approved"
