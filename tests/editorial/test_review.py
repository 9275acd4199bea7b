"""`kil review` driven through its input stream and through a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.support.editorial import add_item, add_source, get


@pytest.fixture
def queue(engine: Engine) -> list[int]:
    """Four pending items; newest first: n1, n2, n3, n4."""
    src = add_source(engine, "LGC")
    other = add_source(engine, "MJ")
    ids = [
        add_item(
            engine,
            src,
            f"Story {n}",
            age_hours=n,
            summary=f"Summary {n}",
            topics=["procurement"],
            regions=["London"],
        )
        for n in (1, 2, 3, 4)
    ]
    add_item(engine, src, "Approved already", status="approved", age_hours=0.5)
    add_item(engine, other, "Story 2 elsewhere", cluster_id=500, age_hours=5)
    from kil_feed.db import write_session
    from kil_feed.storage.items import get_item

    with write_session(engine) as s:
        get_item(ids[1], session=s).cluster_id = 500
    return ids


def test_review_through_input_stream(cli, engine: Engine, queue) -> None:  # type: ignore[no-untyped-def]
    n1, n2, n3, n4 = queue
    # approve n1; n2: reject with reason, not its cluster sibling; skip n3; feature n4,
    # undo the feature, approve n4 instead; then the cluster sibling shows; quit.
    keys = "a\nr\nduplicate\nn\ns\nf\nu\na\nq\n"
    result = cli("review", input=keys)
    out = result.output
    assert out.index("Story 1") < out.index("Story 2") < out.index("Story 3") < out.index("Story 4")
    assert "1 other source carries this story" in out
    assert "Approved already" not in out
    assert get(engine, n1).status == "approved"
    item = get(engine, n2)
    assert (item.status, item.reject_reason) == ("rejected", "duplicate")
    assert get(engine, n3).status == "pending"
    item = get(engine, n4)
    assert (item.status, item.featured) == ("approved", False)
    assert "undone" in out
    assert "Story 2 elsewhere" in out  # its sibling is still pending, so it is queued
    assert "approved 2, rejected 1, featured 0, skipped 1; 2 still pending" in out


def test_review_cluster_decision_and_end_of_input(cli, engine: Engine, queue) -> None:  # type: ignore[no-untyped-def]
    n1, n2, *_ = queue
    result = cli("review", input="s\nr\n\ny\n")  # skip n1, reject n2 (no reason) + cluster; EOF
    assert get(engine, n1).status == "pending"
    assert get(engine, n2).status == "rejected" and get(engine, n2).reject_reason is None
    from kil_feed.db import read_session
    from kil_feed.storage.curation import cluster_members

    with read_session(engine) as s:
        assert {i.status for i in cluster_members([500], session=s)} == {"rejected"}
    assert "+1 in its cluster" in result.output
    assert "3 still pending" in result.output


def test_review_unknown_key_shows_help_and_empty_queue(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert "nothing to review" in cli("review").output
    src = add_source(engine, "LGC")
    add_item(engine, src, "Only one")
    out = cli("review", input="x\nq\n").output
    assert "undo the last action" in out
    assert cli("review", "--region", "Mars", ok=False).exit_code == 2


class Terminal:
    """The parent side of a pseudo-terminal: what the child printed, read up to a marker."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = b""
        self.pos = 0

    def expect(self, needle: bytes, timeout: float = 20) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.seen[self.pos :]:
            left = deadline - time.monotonic()
            if left <= 0:
                tail = self.seen[self.pos :].decode(errors="replace")
                raise AssertionError(f"timed out waiting for {needle!r}; got:\n{tail}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"terminal closed before {needle!r}")
                self.seen += chunk
        end = self.seen.index(needle, self.pos) + len(needle)
        part, self.pos = self.seen[self.pos : end], end
        return part

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)


def _controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.slow
def test_review_in_a_real_terminal(kil_env, engine: Engine, queue, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    n1, n2, n3, _ = queue
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys; open({str(opened)!r}, 'a').write(sys.argv[1])\n")
    env = dict(
        os.environ,
        BROWSER=f"{sys.executable} {browser} %s",
        TERM="xterm",
        COLUMNS="100",
        LINES="40",
    )
    fd, child_tty = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kil_feed", "review"],
        stdin=child_tty,
        stdout=child_tty,
        stderr=child_tty,
        env=env,
        preexec_fn=_controlling_terminal,  # Ctrl-C reaches it as in a real terminal
    )
    os.close(child_tty)
    term = Terminal(fd)
    try:
        term.expect(b"> ")
        term.send(b"o")  # single keys: no Enter
        term.expect(b"opened")
        term.send(b"a")
        term.expect(b"Story 2")
        term.expect(b"> ")
        term.send(b"r")
        term.expect(b"Reason")
        term.send(b"off topic\r")
        term.expect(b"[Y/n]")
        term.send(b"n\r")
        term.expect(b"Story 3")
        term.expect(b"> ")
        # the decisions are already in the database while the session is still open
        assert get(engine, n1).status == "approved"
        assert get(engine, n2).reject_reason == "off topic"
        term.send(b"\x03")  # Ctrl-C quits cleanly
        term.expect(b"still pending")
    finally:
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        os.close(fd)
    assert code == 0, term.seen.decode(errors="replace")
    assert b"Traceback" not in term.seen
    assert get(engine, n3).status == "pending"
    assert opened.read_text().startswith("https://example.org/")


def test_review_edit_and_undo_through_input_stream(
    cli, engine: Engine, queue, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    n1 = queue[0]
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Story ', 'Tale ', 1))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    out = cli("review", input="e\na\nq\n").output
    assert "saved" in out and "Tale 1" in out  # the card is shown again, edited
    item = get(engine, n1)
    assert (item.title, item.status) == ("Tale 1", "approved")
    cli("review", input="u\nq\n")  # a new session has nothing to undo
    assert get(engine, n1).status == "approved"
    out = cli("review", input="e\nu\nq\n").output  # edit the next item, then undo the edit
    assert "saved" in out and "Tale 2" in out and "undone: edit" in out
    assert get(engine, queue[1]).title == "Story 2"
    # undone, the edit is no longer kept from re-crawls (the first item's still is)
    assert "edited" not in (get(engine, queue[1]).extra or {})
    assert get(engine, n1).extra["edited"] == ["title"]


@pytest.mark.slow
def test_review_decisions_survive_a_crash(kil_env, engine: Engine, queue) -> None:  # type: ignore[no-untyped-def]
    n1, n2, *_ = queue
    with subprocess.Popen(
        [sys.executable, "-m", "kil_feed", "review"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:  # leaving the block closes the pipes and reaps the process
        assert proc.stdin is not None and proc.stdout is not None
        term = Terminal(proc.stdout.fileno())
        try:
            term.expect(b"> ")
            proc.stdin.write(b"a\n")
            proc.stdin.flush()
            term.expect(b"approved #")
            term.expect(b"> ")
        finally:
            proc.kill()  # SIGKILL while the next card waits for a key
    assert get(engine, n1).status == "approved"
    assert get(engine, n2).status == "pending"


def test_review_card_shows_job_terms(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    src = add_source(engine, "Jobs Board")
    add_item(
        engine,
        src,
        "Interim Head of Procurement",
        kind="job",
        employer="Leeds City Council",
        location="Leeds",
        contract_type="interim",
        pay_min=550,
        pay_max=650,
        pay_period="day",
        pay_currency="GBP",
        ir35="outside",
        closes_at=datetime(2026, 12, 15, 17, 0, tzinfo=UTC),
        regions=["Yorkshire and The Humber"],
    )
    out = cli("review", input="q\n").output
    assert "Leeds City Council · Leeds · interim · outside · £550–£650 per day" in out
    assert "closes 15 Dec 2026" in out and "Yorkshire and The Humber" in out
