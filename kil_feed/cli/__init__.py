"""The `kil` command: a thin edge over the library (Typer + Rich).

Each area registers its commands from its own module (`register(app)`). Domain errors
(`KilError`) become one line on stderr and a non-zero exit; a traceback only with `--debug`.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from kil_feed import __version__
from kil_feed.cli.context import CliState
from kil_feed.cli.output import error_line
from kil_feed.errors import KilError

# Modules under kil_feed.cli that add commands, in the order they appear in --help.
COMMAND_MODULES = (
    "db",
    "sources",
    "crawl",
    "items",
    "buyers",
    "curation",
    "review",
    "rules",
    "topics",
    "subscribers",
    "issue",
    "status",
    "market",
    "serve",
    "schedule",
    "worker",
    "run",
    "demo",
)


class KilGroup(TyperGroup):
    """Turns expected errors into one line and a stable exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KilError as exc:
            if _debug(ctx):
                raise
            error_line(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            error_line("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # the last resort: still one line, never a traceback
            if _debug(ctx):
                raise
            from sqlalchemy.exc import DBAPIError

            if isinstance(exc, DBAPIError):  # unreachable server, full disk: no SQL dump
                from kil_feed.db import database_problem
                from kil_feed.errors import DatabaseError

                error_line(database_problem(exc))
                raise typer.Exit(DatabaseError.exit_code) from None
            logging.getLogger("kil_feed.cli").debug("unexpected error", exc_info=True)
            error_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
            raise typer.Exit(1) from None


def _debug(ctx: click.Context) -> bool:
    obj = ctx.find_object(CliState)
    return bool(obj and obj.debug)


app = typer.Typer(
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


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"kil_feed.cli.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
