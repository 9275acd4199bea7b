"""Output helpers: Rich tables for people, `--json` for scripts, one-line errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kil_feed.cli.jsonout import dumps as dumps  # re-exported: every command prints with it
from kil_feed.cli.jsonout import print_json as print_json
from kil_feed.text import one_line


class _Console(Console):
    """Word-wraps long lines for a terminal; piped, a line of text (a report of invalid
    rows, a path) stays one line, as it was written. Tables and panels lay out as usual."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if "width" not in options:  # Rich fixes $COLUMNS at import: read it at each print
            self._width = None

    def print(self, *objects: Any, soft_wrap: bool | None = None, **options: Any) -> None:
        if soft_wrap is None and not self.is_terminal and all(isinstance(o, str) for o in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **options)

    def print_at(self, renderable: Any, width: int | None) -> None:
        """Print at `width` cells, wider than the console if need be (`print(width=)` only
        narrows)."""
        saved = self._width
        if width is not None:
            self.width = width
        try:
            self.print(renderable)
        finally:
            self._width = saved


console = _Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


COUNT_MAX = 2**31 - 1  # more rows than any listing has


def at_most_count(value: int | None) -> int | None:
    """A --limit's callback: a count past any listing's size means all of it, and is not
    passed on to the database (whose LIMIT takes 64 bits: 10**20 was an OverflowError)."""
    return None if value is None else min(value, COUNT_MAX)


ID_MAX = 2**63 - 1  # the largest id SQLite's and PostgreSQL's 64-bit integers hold


class RowId(click.types.IntParamType):
    """An id argument (`kil items show ID`): a number past any stored row is bad input (exit
    2), said so, rather than passed to the database (10**20 was an OverflowError, exit 1)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = super().convert(value, param, ctx)
        if abs(number) > ID_MAX:
            self.fail(f"{number} is larger than any id", param, ctx)
        return number


ROW_ID = RowId()


# columns whose values people type back into a command (`--source NAME`, `--move ...`,
# `kil schedule run JOB`, `kil rules show RULE`) or copy (a URL): a piped table never cuts them
IDENTIFIERS = frozenset(
    {"id", "name", "item_id", "section", "email", "slug", "url", "source", "rule", "job"}
)
# columns of times (`time_cell`): `01 Jul 2026 11:30` is past the 16 cells a short column
# keeps whole, and a time cut to `01 Ju…` says nothing
TIMES = frozenset(
    {"published", "last_crawled", "last_success_at", "started_at", "next_run", "last_run"}
)


def print_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """A table for people. Piped (not a terminal), every row stays on one line: names, ids,
    URLs and short values whole (a row is then wider than $COLUMNS if need be: a pipe has no
    edge to wrap at), the long free text (a title) ending in an ellipsis; `--json` has the
    full values."""
    rows = list(rows)
    if not rows:
        console.print(f"[dim]{empty}[/dim]")
        return
    headers = [column.replace("_", " ") for column in columns]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths: list[int | None] = [None] * len(columns)
    table = Table(title=escape(title) if title else None, show_lines=False)
    width = None
    if not console.is_terminal:
        natural = [
            max([cell_len(h)] + [cell_len(Text.from_markup(r[i]).plain) for r in cells])
            for i, h in enumerate(headers)
        ]
        main = columns.index("title") if "title" in columns else None
        keep = [i for i, column in enumerate(columns) if column in IDENTIFIERS | TIMES]
        borders = 3 * len(columns) + 1
        fitted = fit_widths(natural, console.width - borders, main, keep)
        widths = list(fitted)
        width = max(console.width, sum(fitted) + borders)
    for header, column_width in zip(headers, widths, strict=True):
        piped = column_width is not None
        table.add_column(
            header, width=column_width, no_wrap=piped, overflow="ellipsis" if piped else "fold"
        )
    for row in cells:
        table.add_row(*row)
    console.print_at(table, width)


def fit_widths(
    natural: Sequence[int], room: int, main: int | None = None, keep: Iterable[int] = ()
) -> list[int]:
    """Column widths for `room` cells. Short columns (statuses, dates: at most 16 cells)
    and those in `keep` (names people type back into a command, URLs) keep their whole
    width, even past `room`: a cut one can be neither grepped nor typed back. The long ones
    share what is left, and never less than a third of `room`, by water-filling (the
    narrower keep their whole width), the `main` one (the title) taking two shares, none
    below 3 cells."""
    widths = list(natural)
    if sum(widths) <= room:
        return widths
    whole = {i for i, w in enumerate(natural) if w <= 16} | set(keep)
    weight = [2 if i == main else 1 for i in range(len(natural))]
    wide = set(range(len(natural))) - whole
    left = max(room - sum(natural[i] for i in whole), room // 3)
    while wide:
        share = left / sum(weight[i] for i in wide)
        narrow = {i for i in wide if natural[i] <= share * weight[i]}
        if not narrow:
            break
        wide -= narrow
        left -= sum(natural[i] for i in narrow)
    if wide:
        share = left / sum(weight[i] for i in wide)
        for i in wide:
            widths[i] = max(3, int(share * weight[i]))
    return widths


def time_cell(value: str | datetime | None, tz: str, missing: str = "") -> str:
    """A time (aware, or ISO as `--json` gives it) as people read it in a table or a `show`
    line: `human_time` in the configured zone, as `kil sources list` and `kil status` show
    theirs (`kil items list` showed UTC); `missing` for None. `--json` keeps ISO UTC."""
    from kil_feed.timeutil import human_time  # not at import: timeutil loads SQLAlchemy

    if value is None or value == "":
        return missing
    return human_time(datetime.fromisoformat(value) if isinstance(value, str) else value, tz=tz)


def shown_field(key: str, value: Any, tz: str) -> Any:
    """A `show` command's field for people: a time (`*_at`) through `time_cell`, the rest
    as it is."""
    return time_cell(value, tz) if key.endswith("_at") else value


def _cell(value: Any) -> str:
    """A value as its table cell, always on one line: a name stored with CR/LF (before
    names were cleaned) would otherwise take two rows' lines."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return one_line(", ".join(str(v) for v in value))
    if isinstance(value, bool):
        return "yes" if value else ""
    return escape(one_line(str(value)))


def write_file(path: Path, data: bytes) -> None:
    """Write a command's `--out` file; a folder that is missing or read-only is one line
    (exit 2), not an unexpected OSError."""
    from kil_feed.errors import ValidationError

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror or exc}") from None


def success(message: str) -> None:
    """A tick and the message, which is plain text: a source named "[/x]" is no markup."""
    console.print(f"[green]✓[/green] {escape(message)}")


def warning_line(message: str) -> None:
    """A one-line warning on stderr: the command goes on."""
    err_console.print(f"warning: {message}", markup=False, highlight=False)


def error_line(message: str) -> None:
    """The one line a failed command prints to stderr."""
    err_console.print(f"[red]error:[/red] {escape(message)}")
