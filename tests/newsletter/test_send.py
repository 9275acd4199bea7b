"""Sending to a real SMTP server on loopback: once per subscriber, headers, retries, bounces."""

from __future__ import annotations

import base64
import email
import email.policy
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import dkim
import pytest
from sqlalchemy.engine import Engine

from kil_feed import tokens
from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError
from kil_feed.models import Issue, Subscriber
from kil_feed.storage.subscribers import get_subscriber
from newsletter.message import message_id
from newsletter.send import send_issue
from newsletter.sendlock import issue_send_lock
from tests.newsletter.conftest import tune
from tests.newsletter.helpers import approved_issue, html_of, ledger, section_text, text_of
from tests.newsletter.world import World, add_subscribers, make_world

EVERYONE = ["eve@example.org", "london@example.org", "national@example.org", "nw@example.org"]


def _by_recipient(server: Any) -> dict[str, email.message.EmailMessage]:
    return {m.rcpt_tos[0].lower(): m.message for m in server.messages}


def test_every_subscriber_gets_exactly_one_complete_message(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    settings = tune(smtp_settings, reply_to="Editors <editors@kil.example.org>")
    issue_id = approved_issue(engine, settings)
    report = send_issue(engine, settings, issue_id)
    assert (report.sent, report.failed, report.pending, report.status) == (4, 0, 0, "sent")
    assert sorted(smtp_server.recipients()) == EVERYONE  # once each; the unconfirmed one never
    messages = _by_recipient(smtp_server)
    for address, msg in messages.items():
        sub_id = world.subscribers[address.split("@")[0]]
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert msg["From"] == "Keep it Local feed <newsletter@kil-feed.local>"
        assert msg["Reply-To"] == "Editors <editors@kil.example.org>"
        assert msg["Date"] and msg["Subject"].startswith("Keep it Local, week 48:")
        assert msg["Message-ID"] == message_id(issue_id, sub_id, "kil-feed.local")
        assert msg["List-Id"] == '"Keep it Local feed" <kil-feed.local>'
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = [p.strip(" <>") for p in msg["List-Unsubscribe"].split(",")]
        assert https.startswith("https://kil.example.org/unsubscribe/")
        assert mailto.startswith("mailto:unsubscribe@kil-feed.local?subject=unsubscribe")
        token = https.rsplit("/", 1)[1]
        assert tokens.read_token(settings, token, "unsubscribe").subscriber_id == sub_id
        payload = token.split(".")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        assert b"@" not in decoded and address.encode() not in decoded  # no address inside
        html, text = html_of(msg), text_of(msg)
        for body in (html, text):
            assert https in body  # a visible unsubscribe link
            assert "https://kil.example.org/preferences/" in body
            assert f"https://kil.example.org/issues/{issue_id}" in body
    nw_near = section_text(html_of(messages["nw@example.org"]), "Near you: interim jobs")
    assert "Interim Head of Procurement" in nw_near and "Manchester" in nw_near
    london_near = section_text(html_of(messages["london@example.org"]), "Near you: interim jobs")
    assert "Interim Category Manager" in london_near
    assert "Interim Head of Procurement" not in london_near
    national = html_of(messages["national@example.org"])
    assert "Near you" not in national and "Interim Head of Procurement" in national
    # the ledger says the same, and a second send sends nothing
    rows = ledger(engine, issue_id)
    assert {r.status for r in rows} == {"sent"} and all(r.message_id for r in rows)
    again = send_issue(engine, settings, issue_id)
    assert (again.sent, again.attempted) == (0, 0) and "already sent" in again.message
    assert len(smtp_server.messages) == 4


def test_no_header_injection_and_hostile_text_escaped(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    issue_id = approved_issue(engine, smtp_settings)
    send_issue(engine, smtp_settings, issue_id)
    raw = next(m.data for m in smtp_server.messages if m.rcpt_tos == ["eve@example.org"])
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in raw and b"\r\nBcc" not in head
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None and "eve@example.org" in msg["To"]
    assert all(line.startswith((b" ", b"\t")) or b":" in line for line in head.split(b"\r\n"))
    html = html_of(msg)  # type: ignore[arg-type]
    assert "<script" not in html and "alert(" not in html and "javascript:" not in html
    assert ">Tom &amp; Jerry Bcc: evil@" in html  # the title's text, escaped


def test_temporary_failures_retried_and_bad_address_bounced(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    w = make_world(any_engine)
    settings = tune(any_settings, smtp_url=smtp_server.url, retry_backoff=0.01, smtp_connections=2)
    smtp_server.defer("london@example.org", times=2, reply="451 4.3.0 Try again later")
    # nw's first message is refused at DATA: nw's, not whichever reaches DATA first (on a
    # busy machine london's third try can, and it would take a fourth)
    smtp_server.fail_data(times=1, reply="421 4.7.0 Too busy", to="nw@example.org")
    smtp_server.reject("national@example.org", "550 5.1.1 No such user")
    issue_id = approved_issue(any_engine, settings)
    report = send_issue(any_engine, settings, issue_id)
    assert (report.sent, report.failed, report.bounced, report.pending) == (3, 1, 1, 0)
    assert report.status == "sent"
    assert Counter(smtp_server.recipients()) == Counter(
        ["eve@example.org", "london@example.org", "nw@example.org"]
    )
    assert smtp_server.handler.rcpt_attempts["london@example.org"] == 3
    assert smtp_server.handler.rcpt_attempts["nw@example.org"] == 2  # the 421, then a new try
    rows = {r.subscriber_id: r for r in ledger(any_engine, issue_id)}
    failed = rows[w.subscribers["national"]]
    assert (failed.status, failed.smtp_code) == ("failed", 550)
    assert "5.1.1" in (failed.smtp_reply or "")
    assert rows[w.subscribers["london"]].attempts == 3
    assert (rows[w.subscribers["nw"]].attempts, rows[w.subscribers["eve"]].attempts) == (2, 1)
    with read_session(any_engine) as s:
        assert get_subscriber("national@example.org", session=s).status == "bounced"
        assert get_subscriber("london@example.org", session=s).status == "confirmed"


def test_dropped_connections_are_reopened(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    add_subscribers(engine, 8)
    # the server hangs up right after storing every 5th message, before its 250 reaches us:
    # the sender cannot know it arrived, so it retries on a new connection (the one
    # unavoidable duplicate per drop, as with any SMTP client)
    smtp_server.drop_after(5)
    issue_id = approved_issue(engine, tune(smtp_settings, smtp_connections=1))
    report = send_issue(engine, tune(smtp_settings, smtp_connections=1), issue_id)
    assert (report.sent, report.pending, report.status) == (12, 0, "sent")
    got = Counter(smtp_server.recipients())
    assert len(got) == 12  # nobody skipped
    duplicates = sum(got.values()) - len(got)
    assert 1 <= duplicates <= sum(got.values()) // 5
    assert max(r.attempts for r in ledger(engine, issue_id)) == 2


def test_a_copy_without_a_reply_is_said_so_never_piled_up_nor_counted_sent(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    settings = tune(smtp_settings, smtp_connections=1)
    issue_id = approved_issue(engine, settings)
    # nw's first copy is stored but its 250 never comes: tried once more, and said so
    smtp_server.drop_for("nw@example.org", times=1)
    # london's server takes every copy and hangs up each time: two copies at most
    smtp_server.drop_for("london@example.org")
    report = send_issue(engine, settings, issue_id)
    got = Counter(smtp_server.recipients())
    assert got["nw@example.org"] == 2 and got["london@example.org"] == 2
    assert (report.sent, report.maybe_twice, report.unconfirmed) == (3, 1, 1)
    assert (report.pending, report.status) == (1, "sending")  # london: not reported sent
    assert "1 of them may have arrived twice" in report.message
    assert "1 unconfirmed" in report.message and "may deliver it twice" in report.message
    rows = {r.subscriber_id: r for r in ledger(engine, issue_id)}
    assert "may have arrived twice" in (rows[world.subscribers["nw"]].smtp_reply or "")
    assert rows[world.subscribers["london"]].status == "pending"
    smtp_server.reset()  # the server is fixed: the resume says what it may duplicate
    resumed = send_issue(engine, settings, issue_id)
    assert (resumed.sent, resumed.resent_unconfirmed, resumed.status) == (1, 1, "sent")
    assert "1 tried again after an unconfirmed copy (they may get it twice)" in resumed.message
    assert smtp_server.recipients() == ["london@example.org"]


def test_policy_rejection_fails_without_bouncing(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    smtp_server.reject("eve@example.org", "554 5.7.1 Message refused")
    issue_id = approved_issue(engine, smtp_settings)
    report = send_issue(engine, smtp_settings, issue_id)
    assert (report.sent, report.failed, report.bounced) == (3, 1, 0)
    with read_session(engine) as s:
        assert get_subscriber("eve@example.org", session=s).status == "confirmed"


def test_too_many_failures_pause_then_resume(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    add_subscribers(engine, 16)
    for i in range(8):
        smtp_server.reject(f"reader{i:03d}@example.org", "550 5.7.1 Blocked")
    settings = tune(smtp_settings, smtp_connections=1, max_error_rate=0.2)
    issue_id = approved_issue(engine, settings)
    report = send_issue(engine, settings, issue_id)
    assert report.paused and report.status == "sending" and report.pending > 0
    assert "paused" in report.message and "kil issue send" in report.message
    assert report.failed >= 5
    smtp_server.reset()  # the cause is fixed
    resumed = send_issue(engine, settings, issue_id)
    assert resumed.status == "sent" and resumed.pending == 0
    sent = smtp_server.recipients()
    assert len(sent) == len(set(sent)) == resumed.sent


def test_limit_dry_run_and_resume_send_each_once(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    make_world(any_engine)
    add_subscribers(any_engine, 6)
    settings = tune(any_settings, smtp_url=smtp_server.url, retry_backoff=0.01, smtp_connections=2)
    issue_id = approved_issue(any_engine, settings)
    dry = send_issue(any_engine, settings, issue_id, dry_run=True)
    assert dry.dry_run and dry.recipients == 10 and smtp_server.messages == []
    assert ledger(any_engine, issue_id) == []  # a dry run writes nothing
    first = send_issue(any_engine, settings, issue_id, limit=3)
    assert (first.sent, first.pending, first.status) == (3, 7, "sending")
    assert len(ledger(any_engine, issue_id)) == 10  # the whole audience, up front
    # someone leaves mid-send: they are skipped, not mailed
    with write_session(any_engine) as s:
        leaver = get_subscriber("reader005@example.org", session=s)
        leaver.status = "unsubscribed"
        s.add(leaver)
    # and someone joins: the audience was fixed when the send began
    with write_session(any_engine) as s:
        s.add(Subscriber(email="late@example.org", status="confirmed"))
    assert send_issue(any_engine, settings, issue_id, dry_run=True).recipients == 6
    rest = send_issue(any_engine, settings, issue_id)
    assert (rest.sent, rest.skipped, rest.pending, rest.status) == (6, 1, 0, "sent")
    got = smtp_server.recipients()
    assert len(got) == len(set(got)) == 9
    assert "reader005@example.org" not in got and "late@example.org" not in got


def test_draft_cannot_be_sent_but_a_test_copy_can(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World
) -> None:
    from newsletter.build import build_issue
    from tests.newsletter.world import NOW

    issue = build_issue(engine, smtp_settings, now=NOW)
    assert issue is not None and issue.id is not None
    with pytest.raises(ConflictError, match="draft"):
        send_issue(engine, smtp_settings, issue.id)
    report = send_issue(engine, smtp_settings, issue.id, to="editor@example.org")
    assert report.sent == 1 and smtp_server.recipients() == ["editor@example.org"]
    copy = send_issue(engine, smtp_settings, issue.id, to="nw@example.org")
    assert copy.sent == 1
    assert "Near you" in html_of(smtp_server.messages[-1].message)
    assert ledger(engine, issue.id) == []
    with read_session(engine) as s:
        assert s.get(Issue, issue.id).status == "draft"  # type: ignore[union-attr]


def test_second_sender_on_sqlite_is_refused_while_one_runs(
    engine: Engine, settings: Settings
) -> None:
    make_world(engine)
    issue_id = approved_issue(engine, settings)
    with (
        issue_send_lock(engine, issue_id),
        pytest.raises(ConflictError, match=r"another process: pid \d+ on .*; on SQLite") as err,
    ):
        send_issue(engine, settings, issue_id)
    assert "use PostgreSQL to send from several processes" in str(err.value)
    assert send_issue(engine, settings, issue_id).sent == 4  # outbox by default


def test_outbox_receives_one_eml_per_subscriber(any_engine: Engine, any_settings: Settings) -> None:
    make_world(any_engine)
    issue_id = approved_issue(any_engine, any_settings)
    report = send_issue(any_engine, any_settings, issue_id)
    assert report.sent == 4 and report.status == "sent"
    files = sorted((Path(any_settings.outbox_dir) / "new").glob("*.eml"))
    tos = sorted(
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"]
        .addresses[0]
        .addr_spec
        for f in files
    )
    assert tos == EVERYONE


def test_dkim_signature_covers_unsubscribe_headers_and_verifies(
    engine: Engine, smtp_settings: Settings, smtp_server: Any, world: World, tmp_path: Path
) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(key), "2048"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    settings = tune(
        smtp_settings,
        dkim_selector="news",
        dkim_domain="kil-feed.local",
        dkim_private_key_file=str(key),
    )
    issue_id = approved_issue(engine, settings)
    send_issue(engine, settings, issue_id)
    raw = smtp_server.messages[0].data
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    signed = msg["DKIM-Signature"].replace("\r\n", "").replace(" ", "")
    for header in ("list-unsubscribe", "list-unsubscribe-post", "from", "subject"):
        assert header in signed.split("h=")[1].split(";")[0].split(":")

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"news._domainkey.kil-feed.local."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"/unsubscribe/", b"/unsubscribX/", 1)  # in the header
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_unreachable_server_pauses_and_keeps_everyone_pending(
    engine: Engine, settings: Settings, world: World
) -> None:
    dead = tune(settings, smtp_url="smtp://127.0.0.1:1?timeout=2", max_attempts=2, retry_backoff=0)
    issue_id = approved_issue(engine, dead)
    report = send_issue(engine, dead, issue_id)
    assert report.paused and "cannot reach the mail server" in report.message
    assert (report.sent, report.pending, report.status) == (0, 4, "sending")
    assert {r.status for r in ledger(engine, issue_id)} == {"pending"}
