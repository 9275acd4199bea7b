"""A send killed with SIGKILL in a real subprocess, then resumed: nobody twice (beyond the
one message in flight), nobody skipped, and the issue is `sent` only at the end."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.models import Issue
from tests.newsletter.helpers import approved_issue, kil_process, ledger
from tests.newsletter.world import add_subscribers, make_world


def _kil(settings: Settings, smtp_url: str, *args: str) -> subprocess.Popen[bytes]:
    return kil_process(settings, smtp_url, "issue", "send", *args)


@pytest.mark.slow
def test_killed_send_resumes_without_duplicates_or_gaps(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    make_world(any_engine)
    add_subscribers(any_engine, 26)  # 30 confirmed subscribers in all
    issue_id = approved_issue(any_engine, any_settings)
    proc = _kil(any_settings, smtp_server.url, str(issue_id), "--rate", "12/s")
    deadline = time.monotonic() + 30
    while len(smtp_server.messages) < 8 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    received_before = len(smtp_server.messages)
    assert 8 <= received_before < 30, "the send must be killed mid-way"
    rows = ledger(any_engine, issue_id)
    assert len(rows) == 30  # the ledger was complete before the first message
    sent_rows = sum(r.status == "sent" for r in rows)
    assert received_before - 1 <= sent_rows <= received_before  # never marked before its 250
    with read_session(any_engine) as s:
        assert s.get(Issue, issue_id).status == "sending"  # type: ignore[union-attr]

    resumed = _kil(any_settings, smtp_server.url, str(issue_id))
    out, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err.decode()
    assert f"{30 - sent_rows} sent" in out.decode()
    got = Counter(smtp_server.recipients())
    assert len(got) == 30  # nobody skipped
    assert sum(got.values()) - len(got) <= 1  # at most the one in flight, twice
    with read_session(any_engine) as s:
        assert s.get(Issue, issue_id).status == "sent"  # type: ignore[union-attr]
    assert {r.status for r in ledger(any_engine, issue_id)} == {"sent"}


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_records_every_accepted_message(
    engine: Engine, settings: Settings, smtp_server: Any
) -> None:
    make_world(engine)
    add_subscribers(engine, 16)
    issue_id = approved_issue(engine, settings)
    proc = _kil(settings, smtp_server.url, str(issue_id), "--rate", "15/s")
    deadline = time.monotonic() + 30
    while len(smtp_server.messages) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    received = len(smtp_server.messages)
    assert received < 20
    assert sum(r.status == "sent" for r in ledger(engine, issue_id)) == received
    resumed = _kil(settings, smtp_server.url, str(issue_id))
    assert resumed.wait(60) == 0
    got = Counter(smtp_server.recipients())
    assert len(got) == 20 and set(got.values()) == {1}  # nobody twice, nobody skipped
