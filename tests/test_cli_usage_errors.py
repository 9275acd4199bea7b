"""A wrong command, option or argument is one line on stderr and exit 2, like every other
error (#13 point 5), with the help of the command that was meant."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["nosuch"], "error: no such command 'nosuch' (see `kil --help`)"),
        (["itmes"], "error: no such command 'itmes'. Did you mean 'items'? (see `kil --help`)"),
        (["items", "lst"],  # click and Typer both suggested it: "Did you mean 'list'?" twice
         "error: no such command 'lst'. Did you mean 'list'? (see `kil items --help`)"),
        (["--bogus"], "error: no such option '--bogus' (see `kil --help`)"),
        (["items", "list", "--limit", "0"],
         "error: invalid value for '--limit': 0 is not in the range x>=1 "
         "(see `kil items list --help`)"),
        (["items", "list", "--limt", "3"],
         "error: no such option '--limt'. Did you mean '--limit'? (see `kil items list --help`)"),
        (["items", "show"], "error: missing argument 'ITEM_ID' (see `kil items show --help`)"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_on_stderr(cli, args, line) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


def test_a_group_without_its_command_still_shows_its_help(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("items", ok=False)
    assert result.exit_code == 2 and "list" in result.output and "error:" not in result.output


def test_the_real_command_prints_one_line_too(kil_env) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "kil"), "items", "list", "--since"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: option '--since' requires an argument (see `kil items list --help`)"
    ]


def test_piped_report_lines_are_not_wrapped(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "60")
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnot-an-email-address-at-all\n", encoding="utf-8")
    result = cli("subscribers", "import", str(bad), ok=False)
    (line,) = [row for row in result.stdout.splitlines() if "line 2" in row]
    assert line.endswith("must have an @-sign.") and len(line) > 60
