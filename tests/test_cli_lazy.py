"""`kil` loads a command's modules only when that command runs: `kil --version` and
`kil --help` stay fast, and the one-line helps listed without loading match the commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.core import TyperGroup
from typer.testing import CliRunner

from kil_feed.cli import COMMANDS, KilGroup, app, load_command

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "sqlmodel", "scrapy", "twisted", "fastapi", "jinja2", "feedparser")


def _after_main(args: list[str], report: str) -> tuple[str, str]:
    """Run `kil ARGS` in a fresh interpreter; its stdout, and what `report` (an expression)
    gives once `main` is done, written to stderr."""
    code = (
        "import gc, json, sys\n"
        f"sys.argv = ['kil', *{args!r}]\n"
        "from kil_feed.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"sys.stderr.write(str({report}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def _loaded_after(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `kil ARGS`."""
    return set(json.loads(_after_main(list(args), "json.dumps(sorted(sys.modules))")[1]))


def _heavy(modules: set[str], extra: tuple[str, ...] = ()) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY + extra)


def test_version_loads_no_heavy_library_and_no_command() -> None:
    modules = _loaded_after("--version")
    assert "kil_feed.cli" in modules
    assert _heavy(modules, ("rich", "pydantic", "pydantic_settings")) == []
    loaded = sorted(m for m in modules if m.startswith("kil_feed.cli."))
    assert loaded == ["kil_feed.cli.context", "kil_feed.cli.help"]


def test_help_lists_every_command_without_loading_them() -> None:
    modules = _loaded_after("--help")
    assert _heavy(modules, ("rich",)) == []  # plain help: Rich's was half its imports
    commands = {f"kil_feed.cli.{m}" for entry in COMMANDS.values() for m in entry[0]}
    assert sorted(commands & modules) == []


def test_a_command_loads_only_its_own_modules() -> None:
    modules = _loaded_after("topics", "--help")
    assert "kil_feed.cli.topics" in modules
    others = {f"kil_feed.cli.{m}" for n, (ms, _) in COMMANDS.items() if n != "topics" for m in ms}
    assert sorted(others & modules) == []
    assert {"fastapi", "scrapy", "twisted", "jinja2"} & modules == set()


def test_listed_help_is_each_commands_own_help() -> None:
    """The lines `kil --help` shows unloaded are the commands' docstrings, word for word."""
    for name, (_, line) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert (command.short_help, command.help) == (None, line), name


def test_every_module_that_registers_commands_is_listed() -> None:
    registering = {
        path.stem
        for path in (ROOT / "kil_feed" / "cli").glob("*.py")
        if "\ndef register(" in path.read_text()
    }
    listed = {m for entry in COMMANDS.values() for m in entry[0]}
    assert registering == listed


def test_help_listing_is_the_same_with_every_command_loaded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    lazy = runner.invoke(app, ["--help"], terminal_width=100)
    monkeypatch.setattr(KilGroup, "format_help", TyperGroup.format_help)  # list loaded commands
    loaded = runner.invoke(app, ["--help"], terminal_width=100)
    assert lazy.exit_code == loaded.exit_code == 0
    assert "worker" in lazy.output and "Commands" in lazy.output
    assert lazy.output == loaded.output


def test_unknown_command_suggests_among_unloaded_ones() -> None:
    result = CliRunner().invoke(app, ["itmes"], terminal_width=100)
    assert result.exit_code == 2
    assert result.output.count("Did you mean 'items'?") == 1


def test_the_crawl_loads_item_and_notice_storage_only_when_an_item_arrives() -> None:
    """A re-crawl where every feed answers 304 stores nothing but the sources' health: the
    orchestrator does not load the item and notice storage (and their parsers) up front."""
    code = "import json, sys\nimport kil_feed.ingest.run\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    modules = set(json.loads(result.stdout))
    assert "kil_feed.ingest.recorder" in modules
    unwanted = ("kil_feed.storage.crawled", "kil_feed.storage.notices", "kil_feed.storage.items")
    assert sorted(modules & {*unwanted, "crawler.ocds", "nh3", "ftfy"}) == []


def test_help_lists_each_command_with_its_whole_first_line() -> None:
    """Click cut a command's line to fit one row ("... and an..."): it is wrapped whole."""
    result = CliRunner().invoke(app, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    # rows are wrapped at spaces and after hyphens ("per-" / "source"), as click wraps
    listed = " ".join(result.output.split("Commands:")[1].split()).replace("- ", "-")
    for name, (_, line) in COMMANDS.items():
        assert f"{name} {' '.join(line.split())}" in listed, name
    assert "..." not in result.output.split("Commands:")[1]


def test_the_heap_is_left_to_the_exit_once_the_command_is_done() -> None:
    """After the command, the interpreter's exit need not walk its heap (0.1 s after a
    crawl): it is frozen, and what the command printed is all there."""
    out, frozen = _after_main(["--version"], "gc.get_freeze_count()")
    assert out.startswith("kil-feed ")
    assert int(frozen) > 1000  # the objects of the loaded modules


def test_crawl_json_loads_no_rich(tmp_path: Path) -> None:
    """`kil crawl --json` (what scripts and cron run) prints JSON: it does not load Rich,
    which the table, the summary line and the progress bar use (20 ms of a 304 pass)."""
    env = {"KIL_DATABASE_URL": f"sqlite:///{tmp_path / 'kil.db'}"}
    setup = subprocess.run(
        [sys.executable, "-m", "kil_feed.cli", "db", "upgrade"],
        cwd=tmp_path, env={**os.environ, **env}, capture_output=True, text=True,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr[-2000:]
    code = (
        "import json, sys\n"
        "sys.argv = ['kil', 'crawl', '--json']\n"
        "from kil_feed.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env={**os.environ, **env},
        capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == []
    modules = set(json.loads(result.stderr))
    assert "kil_feed.cli.crawl" in modules
    assert sorted(m for m in modules if m.split(".")[0] == "rich") == []
