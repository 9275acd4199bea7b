"""A relay that refuses the session (not a recipient) stops the send in one line, exit 7,
with every delivery still pending: TLS or a login required, a login refused or not on
offer, a 554 greeting, a refusal to relay. Fixed and run again, the send delivers to
everyone once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Subscriber
from tests.newsletter.helpers import approved_issue, ledger
from tests.newsletter.world import make_world
from tests.support.smtpserver import SMTPServer

EVERYONE = ["eve@example.org", "london@example.org", "national@example.org", "nw@example.org"]


@pytest.fixture
def issue_id(engine: Engine, settings: Settings) -> int:
    make_world(engine)
    return approved_issue(engine, settings)


@pytest.fixture
def login_server() -> Iterator[SMTPServer]:
    """A submission server that wants AUTH before MAIL FROM."""
    server = SMTPServer(login=("editor", "s3cret")).start()
    yield server
    server.stop()


def _refused(cli: Any, engine: Engine, issue_id: int, *args: str) -> str:
    """The one line a refused send prints; nobody's delivery was settled."""
    result = cli("issue", "send", str(issue_id), *args, ok=False)
    assert result.exit_code == 7, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    rows = ledger(engine, issue_id)
    assert [r.status for r in rows] == ["pending"] * 4  # none failed, none sent
    return result.stderr


def _all_sent(cli: Any, engine: Engine, issue_id: int, server: SMTPServer) -> None:
    result = cli("issue", "send", str(issue_id))
    assert f"issue {issue_id}: 4 sent; 0 still pending, status sent" in result.stdout
    assert sorted(server.recipients()) == EVERYONE
    assert {r.status for r in ledger(engine, issue_id)} == {"sent"}


def test_a_server_that_wants_starttls_stops_the_send_and_nobody_fails(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a relay with "smtpd_tls_security_level = encrypt" answers to a plain MAIL FROM
    smtp_server.refuse_mail("530 5.7.0 Must issue a STARTTLS command first")
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    line = _refused(cli, engine, issue_id)
    assert "530 5.7.0 Must issue a STARTTLS command first" in line
    assert "?starttls=true" in line
    test_copy = cli("issue", "send", str(issue_id), "--to", "me@example.org", ok=False)
    assert test_copy.exit_code == 7 and "Must issue a STARTTLS" in test_copy.stderr
    assert smtp_server.messages == []
    smtp_server.refuse_mail(None)  # the relay (or smtp_url) is fixed
    _all_sent(cli, engine, issue_id, smtp_server)


def test_login_wanted_refused_then_given(
    cli: Any,
    engine: Engine,
    issue_id: int,
    login_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", login_server.url)  # no user:password
    line = _refused(cli, engine, issue_id)
    assert "530 5.7.0 Authentication required" in line and "user:password@" in line
    monkeypatch.setenv("KIL_SMTP_URL", f"smtp://editor:wrong@127.0.0.1:{login_server.port}")
    assert "SMTP login failed: 535" in _refused(cli, engine, issue_id)
    monkeypatch.setenv("KIL_SMTP_URL", f"smtp://editor:s3cret@127.0.0.1:{login_server.port}")
    _all_sent(cli, engine, issue_id, login_server)


def test_a_login_the_server_does_not_offer_is_one_line(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # many relays offer AUTH only after STARTTLS: without it, smtplib finds no AUTH
    monkeypatch.setenv("KIL_SMTP_URL", f"smtp://editor:s3cret@127.0.0.1:{smtp_server.port}")
    line = _refused(cli, engine, issue_id)
    assert "AUTH" in line and "?starttls=true" in line
    assert "cannot reach" not in line  # it was reached: it said no


def test_a_554_greeting_is_refused_at_once_not_retried(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_server.greet("554 5.7.1 No SMTP service here")
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    monkeypatch.setenv("KIL_NEWSLETTER__RETRY_BACKOFF", "30")  # a retry would show as a hang
    line = _refused(cli, engine, issue_id)
    assert "refused the connection: 554 5.7.1 No SMTP service here" in line
    assert "b'" not in line  # the reply as text, not a bytes repr
    assert all(r.attempts == 0 for r in ledger(engine, issue_id))
    smtp_server.greet(None)
    _all_sent(cli, engine, issue_id, smtp_server)


@pytest.mark.parametrize(
    "reply",
    [
        "554 5.7.1 <{}>: Relay access denied",  # Postfix, reject_unauth_destination
        "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain",  # Exchange
    ],
)
def test_a_relay_refusal_at_rcpt_stops_the_send_and_nobody_fails(
    cli: Any,
    engine: Engine,
    issue_id: int,
    smtp_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    reply: str,
) -> None:
    # a relay that does not carry mail for this machine refuses every outside recipient
    for address in [*EVERYONE, "me@example.org"]:
        smtp_server.reject(address, reply.format(address))
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    before = _statuses(engine)
    line = _refused(cli, engine, issue_id)
    assert "refused to relay our mail: " + reply.split(" <")[0] in line
    assert "user:password@" in line  # the hint: log in (or have the host allowed)
    assert max(smtp_server.handler.rcpt_attempts.values()) == 1  # stopped, never retried
    test_copy = cli("issue", "send", str(issue_id), "--to", "me@example.org", ok=False)
    assert test_copy.exit_code == 7 and "refused to relay" in test_copy.stderr
    assert _statuses(engine) == before  # nobody bounced for our configuration
    smtp_server.reset()  # the relay now lets this machine send
    _all_sent(cli, engine, issue_id, smtp_server)


def _statuses(engine: Engine) -> dict[str, str]:
    with read_session(engine) as s:
        return {sub.email: sub.status for sub in s.exec(select(Subscriber))}
