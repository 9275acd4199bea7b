"""Internationalised addresses (RFC 6530): a subscriber at an IDN domain gets the issue
through any relay (the domain goes as punycode, so the message stays ASCII); one whose
mailbox name is not ASCII needs a relay that offers SMTPUTF8. Without one, only that
delivery fails, with a reason, and everyone else still gets the issue."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Subscriber
from tests.newsletter.helpers import approved_issue, ledger, text_of
from tests.newsletter.world import NOW, make_world
from tests.support.smtpserver import SMTPServer

IDN = "pat@bücher.example"
IDN_WIRE = "pat@xn--bcher-kva.example"
UTF8_LOCAL = "zoë@example.org"
OTHERS = ["eve@example.org", "london@example.org", "national@example.org", "nw@example.org"]


@pytest.fixture
def issue_id(engine: Engine, settings: Settings) -> int:
    make_world(engine)
    with write_session(engine) as s:
        for address, name in ((IDN, "Pat Müller"), (UTF8_LOCAL, "Zoë Ó Briain")):
            s.add(
                Subscriber(
                    email=address,
                    name=name,
                    regions=["Wales"],
                    status="confirmed",
                    confirmed_at=NOW - timedelta(days=3),
                )
            )
    return approved_issue(engine, settings)


@pytest.fixture
def utf8_server() -> Iterator[SMTPServer]:
    server = SMTPServer(smtputf8=True).start()
    yield server
    server.stop()


def test_a_relay_without_smtputf8_fails_only_the_non_ascii_mailbox(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    result = cli("issue", "send", str(issue_id), ok=False)
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert "6 sent" not in result.stdout and "5 sent, 1 failed" in result.stdout, result.output
    got = {m.rcpt_tos[0]: m.message for m in smtp_server.messages}
    assert sorted(got) == sorted([*OTHERS, IDN_WIRE])
    idn = got[IDN_WIRE]
    assert idn["To"].addresses[0].addr_spec == IDN_WIRE
    assert idn["To"].addresses[0].display_name == "Pat Müller"
    assert smtp_server.messages[0].data.isascii()
    assert "Unsubscribe: http" in text_of(idn)
    rows = {r.status: r for r in ledger(engine, issue_id) if r.status != "sent"}
    assert list(rows) == ["failed"]
    assert "SMTPUTF8" in (rows["failed"].smtp_reply or "")
    shown = json.loads(cli("subscribers", "show", UTF8_LOCAL, "--json").stdout)
    assert shown["status"] == "confirmed"  # the relay's limit, not a bad address: no bounce


def test_a_relay_with_smtputf8_delivers_to_a_non_ascii_mailbox(
    cli: Any,
    engine: Engine,
    issue_id: int,
    utf8_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", utf8_server.url)
    result = cli("issue", "send", str(issue_id))
    assert "6 sent; 0 still pending, status sent" in result.stdout, result.output
    got = {m.rcpt_tos[0]: m for m in utf8_server.messages}
    assert sorted(got) == sorted([*OTHERS, IDN_WIRE, UTF8_LOCAL])
    assert "SMTPUTF8" in got[UTF8_LOCAL].mail_options
    # RFC 6532 headers are UTF-8, which the stdlib reads from text, not bytes
    utf8 = email.message_from_string(got[UTF8_LOCAL].data.decode(), policy=email.policy.default)
    to = utf8["To"].addresses[0]  # type: ignore[attr-defined]
    assert (to.addr_spec, to.display_name) == (UTF8_LOCAL, "Zoë Ó Briain")
    assert got[IDN_WIRE].data.isascii()  # only the message that needs 8-bit headers has them
