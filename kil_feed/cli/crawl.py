"""`kil crawl`: run the spiders now and show what each source brought in."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from kil_feed.cli.context import state
from kil_feed.cli.jsonout import print_json
from kil_feed.errors import FetchError


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich bar on stderr fed by the crawl's `on_progress(done, total)` callback; none
    when stderr is not a terminal (undrawn, it still left a blank line before an error)."""
    if not enabled:
        yield None
        return
    from kil_feed.cli.output import err_console

    if not err_console.is_terminal:
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


def _finite_seconds(value: float | None) -> float | None:
    """`--time-limit inf` or `nan` passes `min=1` (nan compares false) and reached the
    deadline's arithmetic as an OverflowError: refused as bad input instead."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds")
    return value


def crawl_cmd(
    source: list[str] = typer.Option([], "--source", "-s", help="Only this source (repeat)."),
    time_limit: float | None = typer.Option(
        None, "--time-limit", min=1, callback=_finite_seconds, help="Seconds before stopping."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    wait: bool = typer.Option(
        False, "--wait", help='With crawl.backend = "redis": follow the workers until done.'
    ),
) -> None:
    """Crawl every enabled source (or the named ones) and print a per-source summary."""
    st = state()
    if st.settings.crawl.backend == "redis":
        st.require_database()
        enqueue_cmd(source or None, time_limit=time_limit, as_json=as_json, wait=wait)
        return
    from kil_feed.ingest.ahead import ask_ahead
    from kil_feed.ingest.warm import WarmProcess

    # a crawl process starts now: it asks the feeds that most likely did not change whether
    # they did, and imports Scrapy if a crawl will follow, while we import and prepare
    ask = ask_ahead(st.settings, source or None, time_limit)
    with WarmProcess.start(ask) as warm:
        from kil_feed.ingest.run import run_crawl

        st.require_database()
        with progress_bar(not as_json) as on_progress:
            summaries = run_crawl(
                st.settings, sources=source or None, time_limit=time_limit,
                on_progress=on_progress, warm=warm,
            )  # fmt: skip
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
            "warnings": s.warning or "",
        }  # fmt: skip
        for s in summaries
    ]
    failed = sum(1 for s in summaries if s.error)
    if as_json:  # for scripts: Rich, the tables' and the bar's, is never loaded
        print_json(rows)
    else:
        from kil_feed.cli.output import console, print_table

        print_table(
            rows,
            ["source", "kind", "http", "new", "updated", "duplicate", "dropped", "errors"],
            title="Crawl summary",
            empty="no sources to crawl: `kil sources add` or `kil sources import`",
        )
        for s in summaries:
            if s.warning:  # read and counted ok, but worth fixing at the source
                console.print(f"warning: {s.name}: {s.warning}", markup=False)
        line = f"{len(summaries)} sources, {sum(s.new for s in summaries)} new items"
        end = f"{failed} failed (see the errors above)" if failed else "none failed"
        console.print(f"{line}; {end}", markup=False)
    if failed:  # a crawl that lost a source is not a success, for scripts and cron either
        raise typer.Exit(FetchError.exit_code)


def enqueue_cmd(
    sources: list[str] | None, *, time_limit: float | None, as_json: bool, wait: bool
) -> None:
    """The Redis backend: queue the sources for `kil worker crawl`, optionally follow them."""
    from kil_feed.ingest.queue import enqueue_crawl, wait_for_runs

    st = state()
    queued = enqueue_crawl(st.settings, st.engine, sources=sources)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(queued.by_kind.items())) or "none"
    finished = None
    if wait and queued.run_ids:
        with progress_bar(not as_json) as on_progress:
            finished = wait_for_runs(
                st.engine,
                queued.run_ids,
                timeout=float(time_limit or st.settings.crawl.time_limit),
                on_progress=on_progress,
            )
    if as_json:
        print_json({"queued": len(queued.run_ids), "by_kind": queued.by_kind,
                    "queue": queued.queue_url, "finished": finished})  # fmt: skip
        return
    from kil_feed.cli.output import console

    console.print(f"queued {len(queued.run_ids)} sources ({kinds}) on {queued.queue_url}")
    if finished is not None:
        console.print(f"{finished} of {len(queued.run_ids)} sources answered")
        if finished < len(queued.run_ids):
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl_cmd)
