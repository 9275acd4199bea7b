"""`kil crawl`: run the spiders now and show what each source brought in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from kil_feed.cli.context import state
from kil_feed.cli.output import console, err_console, print_json, print_table
from kil_feed.errors import FetchError


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich bar on stderr fed by the crawl's `on_progress(done, total)` callback."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=True,
    )  # fmt: skip
    task = bar.add_task("crawling", total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def crawl_cmd(
    source: list[str] = typer.Option([], "--source", "-s", help="Only this source (repeat)."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds before stopping."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Crawl every enabled source (or the named ones) and print a per-source summary."""
    from kil_feed.ingest.run import run_crawl

    st = state()
    st.require_database()
    with progress_bar(not as_json) as on_progress:
        summaries = run_crawl(
            st.settings, sources=source or None, time_limit=time_limit, on_progress=on_progress
        )
    rows = [
        {
            "source": s.name,
            "kind": s.kind,
            "http": s.http_status,
            "new": s.new,
            "updated": s.updated,
            "duplicate": s.duplicate,
            "dropped": s.dropped,
            "errors": s.error or "",
        }  # fmt: skip
        for s in summaries
    ]
    failed = sum(1 for s in summaries if s.error)
    if as_json:
        print_json(rows)
    else:
        print_table(
            rows,
            ["source", "kind", "http", "new", "updated", "duplicate", "dropped", "errors"],
            title="Crawl summary",
            empty="no sources to crawl: `kil sources add` or `kil sources import`",
        )
        line = f"{len(summaries)} sources, {sum(s.new for s in summaries)} new items"
        end = f"{failed} failed (see the errors above)" if failed else "none failed"
        console.print(f"{line}; {end}", markup=False)
    if failed:  # a crawl that lost a source is not a success, for scripts and cron either
        raise typer.Exit(FetchError.exit_code)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_cmd)
