"""The `kil` skeleton: help on every level, version, init, db upgrade, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer

from kil_feed import __version__
from kil_feed.cli import app
from kil_feed.migrate import head_revision


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd: click.Command, prefix: list[str]) -> None:
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):  # the root loads its commands on first use
                paths.append(prefix + [name])
                sub = cmd.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, prefix + [name])

    walk(root, [])
    return paths


def test_help_on_every_level(cli) -> None:  # type: ignore[no-untyped-def]
    paths = _all_command_paths()
    assert ["db", "upgrade"] in paths and ["init"] in paths
    for path in paths:
        result = cli(*path, "--help")
        assert "Usage" in result.output, path


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    assert __version__ in cli("--version").output


def test_init_writes_config_and_database(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KIL_DATABASE_URL")
    monkeypatch.delenv("KIL_SECRET_KEY")
    cli("init")
    config = (tmp_path / "kil.toml").read_text()
    assert 'secret_key = "' in config
    assert (tmp_path / "kil.db").exists()
    again = cli("init", ok=False)
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert "Traceback" not in again.output
    cli("init", "--force")
    head = head_revision()
    assert cli("db", "current").output.split() == ["current:", head, "head:", head]


def test_db_upgrade_is_idempotent(cli) -> None:  # type: ignore[no-untyped-def]
    first = cli("db", "upgrade")
    second = cli("db", "upgrade")
    assert head_revision() in first.output and head_revision() in second.output


def test_bad_config_is_one_line_and_non_zero(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("--config", str(tmp_path / "missing.toml"), "db", "current", ok=False)
    assert result.exit_code == 3
    assert "not found" in result.output
    assert "Traceback" not in result.output


def test_bad_database_url_is_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIL_DATABASE_URL", "oracle://nope")
    result = cli("db", "current", ok=False)
    assert result.exit_code != 0
    assert "unsupported database" in result.output
    assert "Traceback" not in result.output


def test_console_script_runs_in_a_real_process(tmp_path: Path, kil_env) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run(
        [sys.executable, "-m", "kil_feed", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "kil_feed", "--config", "nope.toml", "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert out.returncode == 3
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
