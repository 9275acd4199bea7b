"""`kil demo` end to end, in a real subprocess, on a fresh folder with no configuration."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from kil_feed.demo.workspace import demo_subscribers
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

MANCHESTER_JOB = "Interim Head of Procurement"


def run_demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    env["COLUMNS"] = "200"  # Rich wraps less, the output is easier to assert on
    result = subprocess.run(
        [sys.executable, "-m", "kil_feed", "demo", "--no-serve", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def outbox(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted((folder / "outbox" / "new").glob("*.eml")):
        with path.open("rb") as fh:
            messages.append(email.message_from_binary_file(fh, policy=email.policy.default))
    return messages  # type: ignore[return-value]


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the email has a plain-text part"
    return part.get_content()


def near_you(text: str) -> str:
    """The "near you" section of a plain-text email (its heading up to the next heading)."""
    lines = text.splitlines()
    heading = re.compile(r"^\s*==\s*(.*?)\s*==\s*$")
    start = next(
        (
            n
            for n, line in enumerate(lines)
            if (m := heading.match(line)) and "NEAR YOU" in m[1].upper()
        ),
        None,
    )
    if start is None:
        return ""
    end = next((n for n in range(start + 1, len(lines)) if heading.match(lines[n])), len(lines))
    return "\n".join(lines[start:end])


def count_items(folder: Path) -> int:
    with sqlite3.connect(folder / "kil.db") as conn:
        return int(conn.execute("SELECT count(*) FROM item").fetchone()[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served_archive(monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[type-arg]
    """Serves the demo folder's web archive on a loopback port (uvicorn in a thread)."""
    servers = []

    def serve(folder: Path) -> str:
        import uvicorn

        from kil_feed.config import load_settings
        from kil_feed.web.app import create_app

        for key in [k for k in os.environ if k.startswith("KIL_")]:
            monkeypatch.delenv(key)
        settings = load_settings(folder / "kil.toml")
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        wait_until(lambda: server.started, "the web archive's start")
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def test_kil_demo_end_to_end_and_again(tmp_path: Path, served_archive) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "demo"
    first = run_demo(tmp_path, "--dir", str(folder))
    for step in ("Demo site", "Crawl", "Curation rules", "This week's issue", "Send"):
        assert step in first.stdout
    assert str(folder / "outbox") in first.stdout.replace("\n", "")

    # exactly one email per demo subscriber
    messages = outbox(folder)
    expected = sorted(s["email"] for s in demo_subscribers())
    recipients = sorted(email.utils.parseaddr(str(m["To"]))[1] for m in messages)
    assert recipients == expected
    subjects = {str(m["Subject"]) for m in messages}
    assert len(subjects) == 1 and next(iter(subjects)).strip()

    by_recipient = {email.utils.parseaddr(str(m["To"]))[1]: m for m in messages}
    north_west = text_part(by_recipient["sam.okafor@example.org"])
    london = text_part(by_recipient["priya.shah@example.org"])
    assert MANCHESTER_JOB in north_west
    assert MANCHESTER_JOB in near_you(north_west)  # personalised by region
    # the demo's Find a Tender data: the Durham contract notice is a signal in every email
    signal = ("Durham County Council: contract details published for Murton MOD Area Victor "
              "West Peatland Restoration Project · £395,493")  # fmt: skip
    assert signal in " ".join(london.split()) and signal in " ".join(north_west.split())
    assert "signals" in london.lower()
    assert MANCHESTER_JOB not in near_you(london)
    assert "Interim Category Manager" in near_you(london)  # a London role
    national = text_part(by_recipient["jo.bennett@example.org"])
    assert "Sponsored" not in national  # blocked by the demo rules
    assert "Interim Head of Commissioning - Public Health" not in national  # closed
    assert "district councils compare" not in national  # older than the news window
    assert "Briefing:" not in national  # pending: the briefings feed waits for an editor
    assert MANCHESTER_JOB in national and "Glasgow" in national

    # a served archive that lists the issue
    base = served_archive(folder)
    issues = httpx.get(f"{base}/issues", timeout=10)
    assert issues.status_code == 200
    issue_links = set(re.findall(r'href="[^"]*/issues/(\d+)"', issues.text))
    assert issue_links, issues.text[:2000]
    issue_id = issue_links.pop()
    page = httpx.get(f"{base}/issues/{issue_id}", timeout=10)
    assert page.status_code == 200 and MANCHESTER_JOB in page.text

    # running it again: the same data updated, nothing sent twice
    items = count_items(folder)
    second = run_demo(tmp_path, "--dir", str(folder))
    assert "already sent" in second.stdout
    assert len(outbox(folder)) == len(expected)
    assert count_items(folder) == items

    # --reset starts over: a fresh database and outbox, the issue sent again
    third = run_demo(tmp_path, "--dir", str(folder), "--reset")
    assert "removed the previous demo" in third.stdout
    assert sorted(email.utils.parseaddr(str(m["To"]))[1] for m in outbox(folder)) == expected


def test_kil_demo_refuses_to_reset_a_foreign_folder(tmp_path: Path) -> None:
    foreign = tmp_path / "precious"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}
    result = subprocess.run(
        [sys.executable, "-m", "kil_feed", "demo", "--no-serve", "--dir", str(foreign), "--reset"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "not a kil demo folder" in result.stderr and "Traceback" not in result.stderr
    assert (foreign / "notes.txt").read_text() == "keep me"
