"""A first run: without `kil.toml` or a database every command says so in one line and
creates nothing; database errors are one line, without SQL."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NO_DB = "no database here"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KIL_")}


def _kil(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kil_feed", *args],
        cwd=cwd,
        env=_clean_env() | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), text
    assert "Traceback" not in text and "Background on this error" not in text
    assert "SELECT" not in text and "[SQL" not in text
    return lines[0]


def test_an_empty_folder_gets_one_line_and_no_kil_db(tmp_path: Path) -> None:
    proc = _kil(tmp_path, "sources", "list")
    assert proc.returncode == 8, proc
    line = _one_line(proc.stderr)
    assert NO_DB in line and "run `kil init` (or `kil db upgrade`)" in line
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no kil.db, no -wal, nothing


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["items", "list"],
        ["issue", "list"],
        ["subscribers", "list"],
        ["review"],
        ["crawl"],
        ["schedule", "--list"],
        ["db", "current"],
        ["rules", "test"],
        ["serve"],
        ["worker", "crawl", "--exit-when-idle", "1"],  # it crawled, with nowhere to store
    ],
)
def test_every_command_refuses_a_database_never_set_up(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    target = tmp_path / "fresh" / "kil.db"
    monkeypatch.setenv("KIL_DATABASE_URL", f"sqlite:///{target}")
    result = cli(*command, ok=False)
    assert result.exit_code == 8, result.output
    assert NO_DB in _one_line(result.stderr)
    assert not target.parent.exists()  # not even the folder


def test_an_empty_database_file_is_not_a_database(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    monkeypatch.setenv("KIL_DATABASE_URL", f"sqlite:///{empty}")
    for command in (["sources", "list"], ["status"]):
        result = cli(*command, ok=False)
        assert result.exit_code == 8
        assert "has no tables" in _one_line(result.stderr)
        # refused, it wrote nothing: no SQLite header, no -wal or -shm beside it
        assert empty.stat().st_size == 0
        assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("empty.db-")]
    # kil db upgrade sets it up; then the same command works
    cli("db", "upgrade")
    assert "no sources yet" in cli("sources", "list").output


def test_a_postgresql_server_that_does_not_answer_is_one_line(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KIL_DATABASE_URL", f"postgresql+psycopg://kil:secret@127.0.0.1:{port}/kil")
    result = cli("status", ok=False)
    assert result.exit_code == 8
    line = _one_line(result.stderr)
    assert line.startswith("error: database error: ") and str(port) in line
    assert "secret" not in line


def test_a_driver_error_while_writing_is_one_line(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    db = sqlite_url.removeprefix("sqlite:///")
    monkeypatch.setenv("KIL_DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    result = cli("sources", "add", "x", "https://example.org/feed.xml", ok=False)
    assert result.exit_code == 8, result.output
    assert "readonly database" in _one_line(result.stderr)


def test_init_writes_a_private_config_and_warns_about_a_readable_one(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KIL_SECRET_KEY")
    result = cli("init")
    config = tmp_path / "kil.toml"
    assert config.stat().st_mode & 0o777 == 0o600
    assert "Next: `kil sources import --defaults`" in result.output
    assert cli("status").stderr == ""
    config.chmod(0o644)
    warned = cli("status").stderr
    assert warned.startswith(f"warning: {config.name} holds secrets")
    assert "-rw-r--r--" in warned and warned.count("\n") == 1
    cli("init", "--force")  # rewriting it makes it private again
    assert config.stat().st_mode & 0o777 == 0o600
