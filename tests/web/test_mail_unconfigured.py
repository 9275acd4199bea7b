"""With no mail server and no chosen outbox, the subscription emails are not written into an
outbox nobody reads: the send is refused and logged, and `kil serve` says so when it starts."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from jinja2 import Environment

from kil_feed.config import load_settings
from kil_feed.web.confirmation import send_confirmation
from kil_feed.web.templating import make_environment


@pytest.fixture
def no_mail(kil_env, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KIL_OUTBOX_DIR")  # smtp_url is empty too: nothing chosen
    return load_settings()


def test_confirmation_is_not_written_to_an_outbox_nobody_chose(no_mail, caplog) -> None:  # type: ignore[no-untyped-def]
    env: Environment = make_environment(no_mail)
    with caplog.at_level(logging.ERROR, logger="kil_feed.web.confirmation"):
        send_confirmation(
            no_mail, env, email="pat@example.org", name="Pat", subscriber_id=7, nonce=1
        )
    assert not Path(no_mail.outbox_dir).exists()
    (record,) = caplog.records
    assert "confirmation not sent subscriber_id=7" in record.getMessage()
    assert "no mail server configured" in record.getMessage()


def test_confirmation_goes_to_the_outbox_when_it_is_chosen(settings) -> None:  # type: ignore[no-untyped-def]
    send_confirmation(
        settings, make_environment(settings), email="pat@example.org", name="Pat",
        subscriber_id=7, nonce=1,
    )  # fmt: skip
    assert len(list((Path(settings.outbox_dir) / "new").glob("*.eml"))) == 1


def test_kil_serve_warns_when_no_email_can_go_out(no_mail, cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:  # uvicorn then stops at once: the port is in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--host", "127.0.0.1", "--port", str(port), ok=False)
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: subscription emails (confirmations) will not be sent: no mail server "
        "configured: smtp_url is empty and outbox_dir is not set (set smtp_url to your relay, "
        "or set outbox_dir (or pass --outbox) to write the email into a local Maildir)"
    ]
