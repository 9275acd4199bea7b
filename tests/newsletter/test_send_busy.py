"""A second `kil issue send` of an issue another live process is sending (SQLite): one line
naming that process, exit 5 (a conflict, as before), `busy`/`sender` in --json, and nothing
sent or recorded twice."""

from __future__ import annotations

import json
import signal
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.errors import BusyError
from newsletter.send import send_issue
from tests.newsletter.helpers import approved_issue, kil_process, ledger
from tests.newsletter.world import add_subscribers, make_world
from tests.support.waiting import WAIT_SECONDS, wait_until


@pytest.mark.slow
def test_second_send_names_the_live_sender_and_exits_5_as_a_conflict(
    cli: Any, engine: Engine, settings: Settings, smtp_server: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    make_world(engine)
    add_subscribers(engine, 26)  # 30 confirmed subscribers
    issue_id = approved_issue(engine, settings)
    first = kil_process(settings, smtp_server.url, "issue", "send", str(issue_id), "--rate", "4/s")
    wait_until(
        lambda: smtp_server.messages or first.poll() is not None,
        "the first message of the first send",
    )
    assert first.poll() is None, first.communicate()[1].decode()

    plain = cli("issue", "send", str(issue_id), ok=False)
    assert plain.exit_code == BusyError.exit_code == 5
    assert plain.stdout == ""  # no "sending issue ... to N subscribers" line: it is not
    line = plain.stderr.strip()
    assert "\n" not in line and line.startswith("error: issue")
    assert f"already being sent by another process: pid {first.pid} on " in line
    assert f"(`kil issue send {issue_id} --rate 4/s`), since today " in line
    assert f"run `kil issue send {issue_id}` again" in line

    as_json = cli("issue", "send", str(issue_id), "--json", ok=False)
    assert as_json.exit_code == 5
    data = json.loads(as_json.stdout)
    assert data["busy"] is True and data["issue_id"] == issue_id
    assert data["sender"]["pid"] == first.pid
    assert data["sender"]["command"] == f"kil issue send {issue_id} --rate 4/s"
    assert as_json.stderr.startswith("error: issue") and as_json.stderr.count("\n") == 1

    # the library refuses too (the scheduler's retry skips on it), before any work
    with pytest.raises(BusyError, match=f"pid {first.pid}"):
        send_issue(engine, settings.model_copy(update={"smtp_url": smtp_server.url}), issue_id)

    first.send_signal(signal.SIGINT)  # stops cleanly: what is in flight is recorded
    first.communicate(timeout=WAIT_SECONDS)
    rest = cli("issue", "send", str(issue_id))
    assert "status sent" in rest.stdout
    got = Counter(smtp_server.recipients())
    assert len(got) == 30 and set(got.values()) == {1}  # nobody missed, nobody twice
    assert {r.status for r in ledger(engine, issue_id)} == {"sent"}


def test_a_lock_file_without_a_holder_still_refuses_in_one_line(
    engine: Engine, settings: Settings
) -> None:
    """A holder that has only just taken the lock has not written its name yet."""
    import fcntl
    import os

    from newsletter.sendlock import busy_error

    make_world(engine)
    issue_id = approved_issue(engine, settings)
    path = f"{engine.url.database}.issue-{issue_id}.send.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(BusyError) as err:
            send_issue(engine, settings, issue_id)
    finally:
        os.close(fd)
    assert str(err.value) == str(busy_error(issue_id, None))
    assert err.value.details == {"sender": None}
    assert "already being sent by another process; on SQLite" in str(err.value)
    assert send_issue(engine, settings, issue_id).sent == 4  # the lock is free again
