"""Help screens in click's plain layout rather than Typer's Rich panels.

Rich's help (`typer.rich_utils`, which loads rich.markdown, markdown_it and
rich.traceback) was about half of what `kil --help` imports: plain help answers in about
half the time, and reads the same piped into `grep` or `less`.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

WHOLE_LINE = 10_000  # characters: a command's first line is listed whole, never cut with "..."


class HelpGroup(TyperGroup):
    """Lists each sub-command with its whole first line (click cuts it to fit one row with
    "...": `kil --help` read "Create kil.toml (with a fresh secret key) and an...")."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=WHOLE_LINE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_group(**options: Any) -> typer.Typer:
    """A Typer app for a group of commands, with plain help."""
    return typer.Typer(cls=options.pop("cls", HelpGroup), rich_markup_mode=None, **options)
