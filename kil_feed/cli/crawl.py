"""`kil crawl`: run the spiders now and show what each source brought in."""

from __future__ import annotations

import typer

from kil_feed.cli.context import state
from kil_feed.cli.output import console, print_json, print_table
from kil_feed.errors import FetchError


def crawl_cmd(
    source: list[str] = typer.Option([], "--source", "-s", help="Only this source (repeat)."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds before stopping."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Crawl every enabled source (or the named ones) and print a per-source summary."""
    from kil_feed.crawling import run_crawl

    st = state()
    st.require_database()
    summaries = run_crawl(
        st.settings, sources=source or None, time_limit=time_limit, progress=not as_json
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
