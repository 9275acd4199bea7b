"""`kil issue send` says where mail goes on its first line, and never falls back to the file
outbox by itself outside the demo (a forgotten relay must not look like a finished send)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.errors import ConfigError
from newsletter.send import send_issue
from tests.newsletter.helpers import approved_issue, ledger
from tests.newsletter.world import make_world


@pytest.fixture
def issue_id(engine: Engine, settings: Settings) -> int:
    make_world(engine)
    return approved_issue(engine, settings)


def test_the_first_line_names_the_relay(
    cli: Any, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    result = cli("issue", "send", str(issue_id))
    first = result.stdout.splitlines()[0]
    assert first == (
        f"sending issue {issue_id} to 4 subscribers through smtp://127.0.0.1:{smtp_server.port}"
    )
    assert len(smtp_server.messages) == 4


def test_the_first_line_names_the_outbox(cli: Any, issue_id: int, tmp_path: Path) -> None:
    result = cli("issue", "send", str(issue_id))
    outbox = (tmp_path / "outbox").as_posix()
    assert result.stdout.splitlines()[0] == (
        f"sending issue {issue_id} to 4 subscribers into the file outbox {outbox}/"
    )
    assert len(list((tmp_path / "outbox" / "new").glob("*.eml"))) == 4


def test_an_implicit_outbox_is_refused_outside_the_demo(
    cli: Any, issue_id: int, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIL_OUTBOX_DIR")  # smtp_url empty, outbox_dir not chosen
    result = cli("issue", "send", str(issue_id), ok=False)
    assert result.exit_code == 3
    assert result.stderr.startswith("error: no mail server configured: smtp_url is empty")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert ledger(engine, issue_id) == []  # nothing recorded, nothing marked sent
    assert not (tmp_path / "outbox").exists()
    # the scheduler's path (the library) refuses too
    with pytest.raises(ConfigError, match="no mail server configured"):
        send_issue(engine, load_settings(), issue_id)
    # --outbox is an explicit choice
    sent = json.loads(cli("issue", "send", str(issue_id), "--outbox", "--json").stdout)
    assert (sent["sent"], sent["status"]) == (4, "sent")
    assert len(list((tmp_path / "outbox" / "new").glob("*.eml"))) == 4


def test_outbox_flag_wins_over_a_relay(
    cli: Any, issue_id: int, smtp_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    result = cli("issue", "send", str(issue_id), "--outbox")
    assert "into the file outbox" in result.stdout.splitlines()[0]
    assert smtp_server.messages == []
    assert len(list((tmp_path / "outbox" / "new").glob("*.eml"))) == 4


def test_a_pause_is_one_line_on_stderr_with_exit_7(
    cli: Any, issue_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("KIL_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=2")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_ATTEMPTS", "1")
    result = cli("issue", "send", str(issue_id), ok=False)
    assert result.exit_code == 7
    assert result.stderr.startswith("error: paused: cannot reach the mail server")
    assert result.stderr.count("\n") == 1
    assert "paused" not in result.stdout


@pytest.mark.parametrize("address", ["not-an-address", "a@b@example.org", "  "])
def test_a_test_copy_to_no_address_is_bad_input_and_nothing_goes(
    cli: Any, issue_id: int, tmp_path: Path, address: str
) -> None:
    result = cli("issue", "send", str(issue_id), "--outbox", "--to", address, ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: cannot send a test copy to {address.strip()!r}: ")
    assert result.stderr.count("\n") == 1
    assert not list((tmp_path / "outbox").glob("*/*.eml"))  # nothing written
