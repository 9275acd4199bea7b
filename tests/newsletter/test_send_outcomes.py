"""How `kil issue send` ends, for scripts and cron: 0 when everyone due got it, 75
(EX_TEMPFAIL) when deliveries were deferred by temporary failures and a later run retries
them, with the summary saying how many, why and what to run, 67 (EX_NOUSER) when some were
refused for good."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from tests.newsletter.helpers import approved_issue, ledger
from tests.newsletter.world import make_world


@pytest.fixture
def issue_id(engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> int:
    make_world(engine)
    monkeypatch.setenv("KIL_NEWSLETTER__RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_ATTEMPTS", "2")
    return approved_issue(engine, settings)


def test_a_send_with_deferred_deliveries_exits_75_and_says_how_to_retry(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    smtp_server.defer("london@example.org", times=2, reply="451 4.7.1 Greylisted, try later")
    result = cli("issue", "send", str(issue_id), ok=False)
    assert result.exit_code == 75, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith(f"issue {issue_id}: 3 sent, 1 deferred (451 4.7.1 Greylisted")
    assert f"run `kil issue send {issue_id}` again later to retry them" in line
    assert "✓" not in result.stdout and result.stderr == ""
    assert sorted(r.status for r in ledger(engine, issue_id)) == ["pending", "sent", "sent", "sent"]

    smtp_server.defer("london@example.org", times=2, reply="452 4.2.2 Mailbox full")
    result = cli("issue", "send", str(issue_id), "--json", ok=False)
    assert result.exit_code == 75
    report = json.loads(result.stdout)
    assert (report["sent"], report["deferred"], report["pending"]) == (0, 1, 1)
    assert report["deferred_reply"] == "452 4.2.2 Mailbox full"
    assert report["already_sent"] == 3 and report["status"] == "sending"

    result = cli("issue", "send", str(issue_id))  # the relay takes it now: done, exit 0
    done = "1 sent, 3 sent earlier, of 4 subscribers; 0 still pending, status sent"
    assert f"issue {issue_id}: {done}" in result.stdout
    assert sorted(smtp_server.recipients()).count("london@example.org") == 1


def test_a_limited_send_with_nothing_deferred_exits_0(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    result = cli("issue", "send", str(issue_id), "--limit", "1", "--json")
    report = json.loads(result.stdout)
    assert (report["sent"], report["deferred"], report["pending"]) == (1, 0, 3)
    assert report["deferred_reply"] == ""


def test_a_send_with_a_refused_recipient_delivers_the_rest_and_exits_67(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a cron job must be able to tell that someone did not get the issue: a 550 for one
    # address is not "done" (exit 0, ticked) but sendmail's EX_NOUSER, as sendmail exits
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    smtp_server.reject("london@example.org", "550 5.1.1 No such user")
    result = cli("issue", "send", str(issue_id), ok=False)
    assert result.exit_code == 67, result.output
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith(f"issue {issue_id}: 3 sent, 1 failed (1 bounced)"), line
    assert "✓" not in result.stdout and "Traceback" not in result.output
    assert sorted(smtp_server.recipients()) == [
        "eve@example.org",
        "national@example.org",
        "nw@example.org",
    ]
    assert sorted(r.status for r in ledger(engine, issue_id)) == ["failed", "sent", "sent", "sent"]
    again = cli("issue", "send", str(issue_id), "--json")  # nothing new failed: exit 0
    assert json.loads(again.stdout)["failed"] == 0
    assert len(smtp_server.recipients()) == 3  # and nobody got it twice
