"""The `kil` command: a thin edge over the library (Typer; Rich for tables).

Each area registers its commands from its own module (`register(app)`). Domain errors
(`KilError`) become one line on stderr and a non-zero exit; a traceback only with `--debug`.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

import click
import typer
import typer.main
from click.exceptions import NoArgsIsHelpError

from kil_feed import __version__
from kil_feed.cli.context import CliState
from kil_feed.cli.help import HelpGroup, command_group
from kil_feed.errors import KilError

# Every command: the modules that define it and the one line `kil --help` shows for it, in
# --help order. A command's modules are imported only when it runs, so `kil --version`,
# `kil --help` and each command load only what they use; a test checks these lines against
# the commands' own help.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (("db",), "Create kil.toml (with a fresh secret key) and an up-to-date database."),
    "crawl": (
        ("crawl",),
        "Crawl every enabled source (or the named ones) and print a per-source summary.",
    ),
    "review": (
        ("review",),
        "Review pending items one at a time, newest first (single keys; ? for help).",
    ),
    "status": (
        ("status",),
        "Sources, this week's items, the next jobs, the draft issue and subscribers.",
    ),
    "market": (
        ("market",),
        "Day rates (median, IQR, count), open and new roles, IR35 share, by week and quarter;\n"
        "with --notices, tenders and awards (count, GBP value) by region and buyer type.",
    ),
    "serve": (
        ("serve",),
        "Serve the web archive: issues, news, jobs, search, feeds, API and subscriptions.",
    ),
    "schedule": (
        ("schedule",),
        "Run the scheduler until SIGTERM/SIGINT; a second one waits as a stand-by.",
    ),
    "run": (("run",), "Run the web archive and the scheduler together until SIGTERM/SIGINT."),
    "demo": (
        ("demo",),
        "Run the whole pipeline on a bundled demo site: crawl, curate, send, serve.",
    ),
    "db": (("db",), "Database schema (Alembic migrations)."),
    "sources": (("sources",), "Where news and jobs come from."),
    "items": (("items", "curation"), "Collected news and jobs: list, show and curate."),
    "buyers": (("buyers",), "Buyers: who publishes the notices."),
    "rules": (
        ("rules",),
        "Curation rules applied at ingest: list, test on stored items, suggest.",
    ),
    "topics": (("topics",), "The known topics: what items and subscribers can choose."),
    "subscribers": (
        ("subscribers",),
        "Newsletter subscribers: add, list, update, unsubscribe, import and export.",
    ),
    "issue": (("issue",), "Weekly newsletter issues: build, edit, preview and send."),
    "worker": (("worker",), "Workers that share the work of a deployment across machines."),
}


def load_command(name: str) -> click.Command:
    """Import the modules of command `name` and build its click command (as Typer would)."""
    holder = command_group()
    for module in COMMANDS[name][0]:
        importlib.import_module(f"kil_feed.cli.{module}").register(holder)
    return typer.main.get_group(holder).commands[name]


class KilGroup(HelpGroup):
    """Loads a command when it is used; turns expected errors into one line and an exit code."""

    _listing = False  # while `kil --help` lists the commands, their modules stay unloaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        if self._listing:
            return click.Command(cmd_name, help=COMMANDS[cmd_name][1])
        command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # suggest among all commands, loaded or not
            matches = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in exc.message:
                names = ", ".join(repr(name) for name in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {names}?"
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:  # fmt: skip
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # `kil --bogus`: before any command runs
            if isinstance(exc, NoArgsIsHelpError):
                raise
            _error_line(usage_line(exc))
            raise typer.Exit(exc.exit_code) from None

    def _deepest_context(self, ctx: click.Context, args: list[str]) -> click.Context:
        """The context of the command the arguments name (`kil items list ...`)."""
        command: click.Command = self
        for arg in args:
            sub = command.get_command(ctx, arg) if isinstance(command, click.Group) else None
            if sub is None:
                break
            ctx = click.Context(sub, parent=ctx, info_name=arg)
            command = sub
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        args = [*ctx._protected_args, *ctx.args]  # click empties them as it goes
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a wrong command, option or argument: one line too
            if _debug(ctx) or isinstance(exc, NoArgsIsHelpError):
                raise
            if exc.ctx is None:  # an option's missing value: click knows no command yet
                exc.ctx = self._deepest_context(ctx, args)
            _error_line(usage_line(exc))
            raise typer.Exit(exc.exit_code) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KilError as exc:
            if _debug(ctx):
                raise
            _error_line(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _error_line("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # the last resort: still one line, never a traceback
            if _debug(ctx):
                raise
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):  # unreachable server, full disk: no SQL dump
                from kil_feed.db import database_problem
                from kil_feed.errors import DatabaseError

                _error_line(_schema_behind(ctx) or database_problem(exc))
                raise typer.Exit(DatabaseError.exit_code) from None
            logging.getLogger("kil_feed.cli").debug("unexpected error", exc_info=True)
            _error_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
            raise typer.Exit(1) from None


def usage_line(exc: click.UsageError) -> str:
    """`no such option: --limt (see `kil items list --help`)`: click's message without its
    usage block, pointing to the help of the command that was meant."""
    path = exc.ctx.command_path if exc.ctx is not None else "kil"
    message = exc.format_message().rstrip(".")
    if "Did you mean" in exc.message:  # Typer's suggestion already: not click's again
        message = exc.message.rstrip(".")
    return f"{message[:1].lower()}{message[1:]} (see `{path} --help`)"


def _error_line(message: str) -> None:
    from kil_feed.cli.output import error_line  # Rich, loaded only when there is an error

    error_line(message)


def _schema_behind(ctx: click.Context) -> str | None:
    """After a database error: "the database is at schema revision 0005, this kil-feed needs
    0014 (run `kil db upgrade`)" when that is why (`no such column: source.title` says nothing to an
    editor); None when the schema is current or cannot be read."""
    obj = ctx.find_object(CliState)
    engine = obj._engine if obj is not None else None
    if engine is None:
        return None
    from kil_feed.migrate import schema_behind

    try:
        return schema_behind(engine)
    except Exception:  # the database that just failed may fail again: keep its own error
        return None


def _debug(ctx: click.Context) -> bool:
    obj = ctx.find_object(CliState)
    return bool(obj and obj.debug)


app = command_group(
    cls=KilGroup,
    name="kil",
    help="kil-feed: UK public-sector procurement news, interim jobs and a weekly newsletter.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kil-feed {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Config file (default: $KIL_CONFIG or ./kil.toml)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Collect, curate and send UK public-sector procurement news and interim jobs."""
    state = CliState(config_file=config, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)
    configure_logging(debug)


def configure_logging(debug: bool = False, level: str = "WARNING") -> None:
    """Logging is configured here, at the edge, never at import time."""
    root_logger = logging.getLogger()
    if not any(getattr(h, "_kil", False) for h in root_logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._kil = True  # type: ignore[attr-defined]
        root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG if debug else getattr(logging, level, logging.WARNING))
    if not debug:  # alembic's plugin and dialect notes on every start: only migrations count
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        migration = logging.getLogger("alembic.runtime.migration")
        if _only_migrations not in migration.filters:
            migration.addFilter(_only_migrations)


def _only_migrations(record: logging.LogRecord) -> bool:
    """Keep alembic's "Running upgrade 0005 -> 0006" lines, drop "Context impl SQLiteImpl."."""
    return str(record.msg).startswith("Running ")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        # The command is done and its engine disposed: what is left on the heap ends with
        # the process. Frozen, it is skipped by the collections of the interpreter's exit,
        # which otherwise walk every object of SQLAlchemy, pydantic and the models (0.1 s
        # after a crawl; `atexit` handlers, `weakref.finalize` and stream flushes still run).
        gc.freeze()
