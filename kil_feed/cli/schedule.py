"""`kil schedule`: run the scheduler (leader or stand-by), list its jobs, or run one now."""

from __future__ import annotations

import logging
import threading

import click
import typer
from rich.markup import escape

from kil_feed.cli.context import state
from kil_feed.cli.output import console, print_json, print_table, time_cell
from kil_feed.errors import ValidationError


def schedule(
    list_jobs: bool = typer.Option(
        False, "--list", help="Print the jobs and their next run times, then exit."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --list: print JSON."),
    run_now: str | None = typer.Option(
        None,
        "--run",
        metavar="JOB",
        help="Run one job (crawl, build, send, housekeeping, retry) now.",
    ),
) -> None:
    """Run the scheduler until SIGTERM/SIGINT; a second one waits as a stand-by."""
    from kil_feed.cli import configure_logging

    st = state()
    if run_now and (list_jobs or as_json):  # one of them would be silently ignored
        raise click.UsageError("give --list or --run JOB, not both")
    if list_jobs or as_json:
        show_jobs(as_json)
        return
    configure_logging(st.debug, level=st.settings.log_level.upper())
    if not st.debug:  # our job log says the same, once
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if run_now:
        run_one(run_now)
        return
    from kil_feed.scheduler.service import SchedulerService, require_current_schema
    from kil_feed.scheduler.signals import stop_on_signals

    require_current_schema(st.engine)
    service = SchedulerService(st.settings, st.engine, announce=announce)
    stop = threading.Event()
    with stop_on_signals(stop):
        service.run(stop)


def announce(message: str) -> None:
    console.print(escape(message))


def show_jobs(as_json: bool) -> None:
    from kil_feed.scheduler.status import job_infos

    st = state()
    infos = job_infos(st.engine, st.settings)
    if as_json:
        print_json([info.as_json() for info in infos])
        return
    rows = [
        {
            "job": i.name,
            "cron": i.cron or "(off)",
            "next_run": time_cell(i.next_run, st.settings.timezone),
            "last_run": time_cell(i.last_started, st.settings.timezone),
            "last_status": i.last_status,
        }
        for i in infos
    ]
    print_table(
        rows,
        ["job", "cron", "next_run", "last_run", "last_status"],
        title=f"Scheduled jobs ({st.settings.timezone})",
    )


def run_one(name: str) -> None:
    from kil_feed.scheduler.jobs import JOBS, execute
    from kil_feed.scheduler.runtime import Runtime

    if name not in JOBS:
        raise ValidationError(f"unknown job {name!r}", hint=f"one of {', '.join(JOBS)}")
    st = state()
    run = execute(Runtime(settings=st.settings, engine=st.engine), name)
    console.print(f"{name}: {run.status}: {escape(run.detail)}")
    if run.status in {"failed", "timeout", "interrupted"}:
        raise typer.Exit(1)
    if run.status == "deferred":  # as `kil issue send`: readers left to retry later
        from newsletter.report import DEFERRED_EXIT_CODE

        raise typer.Exit(DEFERRED_EXIT_CODE)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
