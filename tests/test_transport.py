"""Transports against a real SMTP server on loopback and a real Maildir."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from kil_feed.config import Settings
from kil_feed.errors import ConfigError
from newsletter.transport import (
    OutboxTransport,
    PermanentFailure,
    SessionRefused,
    SMTPConfig,
    SMTPTransport,
    TemporaryFailure,
    make_transport,
)


def _msg(to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "news@kil.example.org"
    msg["To"] = to
    msg["Subject"] = "Week 48"
    msg.set_content("hello")
    return msg


def test_smtp_url_parsing() -> None:
    c = SMTPConfig.from_url("smtp://us%40er:p%3Ass@mail.example.org:587?starttls=true")
    assert (c.host, c.port, c.username, c.password, c.starttls) == (
        "mail.example.org",
        587,
        "us@er",
        "p:ss",
        True,
    )
    assert SMTPConfig.from_url("smtps://mail.example.org").port == 465
    with pytest.raises(ConfigError):
        SMTPConfig.from_url("http://nope")


def test_smtp_transport_sends_and_classifies_failures(smtp_server) -> None:  # type: ignore[no-untyped-def]
    smtp_server.reject("gone@example.org", "550 5.1.1 No such user")
    smtp_server.defer("later@example.org", times=1)
    with SMTPTransport(SMTPConfig.from_url(smtp_server.url)) as t:
        assert t.send(_msg("ok@example.org"), "news@kil.example.org", "ok@example.org").code == 250
        with pytest.raises(PermanentFailure) as perm:
            t.send(_msg("gone@example.org"), "news@kil.example.org", "gone@example.org")
        assert perm.value.is_bad_address
        with pytest.raises(TemporaryFailure):
            t.send(_msg("later@example.org"), "news@kil.example.org", "later@example.org")
        t.send(_msg("later@example.org"), "news@kil.example.org", "later@example.org")
    assert smtp_server.recipients() == ["ok@example.org", "later@example.org"]


def test_a_refusal_to_relay_refuses_the_session_a_bad_mailbox_only_itself(smtp_server) -> None:  # type: ignore[no-untyped-def]
    smtp_server.reject("far@example.net", "554 5.7.1 <far@example.net>: Relay access denied")
    smtp_server.reject("gone@example.org", "550 5.1.1 <gone@example.org>: Recipient address "
                       "rejected: User unknown in virtual mailbox table")  # fmt: skip
    smtp_server.reject("spam@example.org", "554 5.7.1 Message refused")
    with SMTPTransport(SMTPConfig.from_url(smtp_server.url)) as t:
        with pytest.raises(PermanentFailure) as bad:
            t.send(_msg("gone@example.org"), "news@kil.example.org", "gone@example.org")
        assert bad.value.is_bad_address
        with pytest.raises(PermanentFailure) as policy:  # this message, not every one
            t.send(_msg("spam@example.org"), "news@kil.example.org", "spam@example.org")
        assert not policy.value.is_bad_address
        with pytest.raises(SessionRefused) as relay:
            t.send(_msg("far@example.net"), "news@kil.example.org", "far@example.net")
        assert relay.value.code == 554 and "Relay access denied" in relay.value.message
        assert t.send(_msg("ok@example.org"), "news@kil.example.org", "ok@example.org").code == 250
    assert smtp_server.recipients() == ["ok@example.org"]


def test_connection_refused_is_temporary() -> None:
    t = SMTPTransport(SMTPConfig(host="127.0.0.1", port=1, timeout=2))
    with pytest.raises(TemporaryFailure):
        t.send(_msg("a@example.org"), "n@example.org", "a@example.org")


def test_outbox_writes_readable_eml_files(tmp_path: Path) -> None:
    t = make_transport(Settings(outbox_dir=tmp_path / "outbox"))
    assert isinstance(t, OutboxTransport)
    t.send(_msg("a@example.org"), "n@example.org", "a@example.org")
    t.send(_msg("b@example.org"), "n@example.org", "b@example.org")
    files = t.messages()
    assert len(files) == 2
    tos = sorted(
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"] for f in files
    )
    assert tos == ["a@example.org", "b@example.org"]


def test_smtp_sends_crlf_even_for_long_lf_messages(smtp_server) -> None:  # type: ignore[no-untyped-def]
    msg = _msg("long@example.org")
    msg.set_content("\n".join(f"line {i} " + "x" * 60 for i in range(200)))
    raw_lf = msg.as_bytes()
    assert b"\r\n" not in raw_lf  # the default policy writes bare LF
    with SMTPTransport(SMTPConfig.from_url(smtp_server.url)) as t:
        t.send(msg, "news@kil.example.org", "long@example.org")
        t.send(raw_lf, "news@kil.example.org", "long@example.org")
    assert len(smtp_server.messages) == 2
    assert all("line 199" in m.message.get_content() for m in smtp_server.messages)


def test_smtp_dot_stuffing_and_unusual_envelope_addresses(smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Lines starting with a dot survive the trip (doubled on the wire, undone by the
    server), whether or not the message starts with one; a quoted local part still works."""
    body = b"Subject: dots\r\n\r\n.first\r\nmiddle\r\n..two\r\n.\r\nlast"
    with SMTPTransport(SMTPConfig.from_url(smtp_server.url)) as t:
        t.send(body, "news@kil.example.org", "dots@example.org")
        t.send(body, "news@kil.example.org", '"odd name"@example.org')
    received = smtp_server.messages
    assert len(received) == 2
    for r in received:
        assert r.message.get_payload() == ".first\r\nmiddle\r\n..two\r\n.\r\nlast\r\n"
    assert smtp_server.recipients() == ["dots@example.org", '"odd name"@example.org']
