"""`kil demo`: the whole pipeline on a bundled demo site, on a fresh machine, in one command.

Starts the demo site on loopback, then, in a demo folder with its own SQLite database and
file outbox: migrates, imports the demo sources and subscribers, crawls, lets the curation
rules approve, builds and approves this week's issue, sends it into the outbox, and serves
the web archive until Ctrl-C. Running it again updates the same data and never re-sends.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import typer
from rich.markup import escape
from rich.table import Table

from kil_feed.cli.output import console, success
from kil_feed.demo.workspace import Workspace
from kil_feed.text import shorten

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kil_feed.config import Settings
    from kil_feed.demo.server import DemoSite

logger = logging.getLogger(__name__)

STEPS = 7
NEXT_COMMANDS = (
    "items list --status pending",
    "review",
    "issue list",
    "issue preview {issue} --subscriber sam.okafor@example.org --format text",
    "subscribers list",
    "status",
    "serve",
)


def _step(number: int, text: str) -> None:
    console.print(f"\n[bold cyan][{number}/{STEPS}][/bold cyan] [bold]{text}[/bold]")


def _note(text: str) -> None:
    console.print(f"    {text}", soft_wrap=True)


def demo(
    folder: Path = typer.Option(
        Path(".kil-demo"), "--dir", help="Demo folder (database, outbox, kil.toml)."
    ),
    port: int = typer.Option(
        8000, "--port", min=1, max=65535, help="Port of the web archive on 127.0.0.1."
    ),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Stop after sending; do not serve the web archive."
    ),
    reset: bool = typer.Option(False, "--reset", help="Delete the demo folder and start over."),
) -> None:
    """Run the whole pipeline on a bundled demo site: crawl, curate, send, serve."""
    from kil_feed.cli.serve import bind_error, require_free_port
    from kil_feed.db import make_engine
    from kil_feed.demo.server import DemoSite
    from kil_feed.demo.workspace import environment, site_clock

    if not no_serve:  # before the folder is made or reset: a refused start leaves nothing
        require_free_port(port, "127.0.0.1")
    ws = Workspace(folder)
    if reset and ws.reset():
        success(f"removed the previous demo in {folder}")
    first_run = not ws.exists()
    ws.create()
    base_url = f"http://127.0.0.1:{port}"

    console.print(
        "[bold]kil-feed demo[/bold]: the whole pipeline on a bundled demo site, "
        f"{'first run' if first_run else 'running again (same data, updated)'} in "
        f"[bold]{escape(str(folder))}[/bold]"
    )
    saved = ws.load_state()
    saved_port = saved.get("site_port")
    reusable = isinstance(saved_port, int) and bind_error(saved_port, "127.0.0.1") is None
    site_port = saved_port if reusable else 0
    site = DemoSite(port=site_port, now=site_clock(saved.get("site_now"))).start()
    engine = None
    try:
        ws.update_state(site_port=site.port, site_now=site.now.isoformat())
        ws.write_config(base_url)
        with environment(ws.env(base_url)):
            settings = ws.settings()
            engine = make_engine(settings)
            issue_id = _run_pipeline(
                ws, settings, engine, site, moved=bool(saved_port) and not site_port
            )
            _where_to_look(ws, base_url, site.base_url, serving=not no_serve, issue_id=issue_id)
            if not no_serve:
                _serve(settings, port)
    finally:
        site.stop()
        if engine is not None:
            engine.dispose()


def _run_pipeline(
    ws: Workspace, settings: Settings, engine: Engine, site: DemoSite, *, moved: bool
) -> int | None:
    """Every step up to the send; returns this week's issue id (None: nothing to send)."""
    from kil_feed.demo import seed, steps
    from kil_feed.migrate import current_revision, upgrade

    _step(1, "Demo site")
    _note(f"serving the bundled demo site at [link]{site.base_url}/[/link] (news, feeds, jobs)")
    if moved:
        _note("[yellow]its previous port was taken: item URLs change, so items are new[/yellow]")

    _step(2, "Database")
    upgrade(engine)
    _note(f"SQLite database {escape(str(ws.database))} at revision {current_revision(engine)}")

    _step(3, "Sources and subscribers")
    sources = seed.import_sources(engine, settings, site.base_url)
    names = sources.created + sources.updated
    _note(
        f"{len(names)} demo sources ({len(sources.created)} new, "
        f"{len(sources.updated)} refreshed): " + ", ".join(names)
    )
    subs = seed.add_subscribers(engine)
    _note(
        f"{len(subs.created) + len(subs.updated)} demo subscribers "
        f"({len(subs.created)} new, {len(subs.updated)} already there)"
    )

    _step(4, "Crawl")
    _note("crawling the demo site (a Scrapy subprocess, robots.txt obeyed) ...")
    summaries = steps.crawl(settings, names, time_limit=settings.crawl.time_limit)
    _print_crawl(summaries)

    _step(5, "Curation rules")
    cur = steps.curation(engine, names)
    _note(
        f"approved: {cur.total('approved')}, waiting for an editor: {cur.total('pending')}, "
        f"rejected: {cur.total('rejected')}"
    )
    for rule, count in sorted(cur.rules.items()):
        _note(f"  rule [bold]{escape(rule)}[/bold] decided {count} item(s)")

    _step(6, "This week's issue")
    outcome = steps.build_and_approve(engine, settings)
    if outcome.issue is None:
        _note(
            f"[yellow]nothing new to send for {outcome.week}: the demo's items went out in an "
            "earlier issue (run with --reset to start over)[/yellow]"
        )
        return None
    issue = outcome.issue
    if outcome.already_sent:
        _note(
            f"issue #{issue.id} for {outcome.week} was already sent: not sending it again "
            "(use --reset to start over)"
        )
    else:
        _note(f"issue #{issue.id} for {outcome.week} built and approved: {escape(issue.subject)}")

    _step(7, "Send")
    if outcome.already_sent:
        _note("nothing to send (each subscriber gets an issue once)")
    else:
        report = steps.send(engine, settings, issue.id)
        _note(f"into the file outbox: {escape(_describe(report))}")
    messages = steps.outbox_messages(ws.outbox)
    subjects = sorted({m.subject for m in messages})
    _note(f"{len(messages)} emails in {escape(str(ws.outbox / 'new'))}:")
    for msg in messages:
        extra = f"  [dim]{escape(msg.subject)}[/dim]" if len(subjects) > 1 else ""
        _note(f"  {escape(msg.to)}{extra}")
    if len(subjects) == 1:
        _note(f"subject: {escape(subjects[0])}")
    return issue.id


def _print_crawl(summaries: list[Any]) -> None:
    columns = ("http_status", "new", "updated", "duplicate", "dropped")
    table = Table(show_lines=False)
    table.add_column("source", no_wrap=True)
    for column in columns:
        table.add_column("http" if column == "http_status" else column, justify="right")
    for summary in summaries:
        data = _as_dict(summary)
        table.add_row(
            escape(str(data.get("source") or data.get("name") or "")),
            *("" if data.get(c) is None else str(data[c]) for c in columns),
        )
    console.print(table)
    for summary in summaries:
        data = _as_dict(summary)
        problem = data.get("error") or data.get("errors") or data.get("warning")
        if problem:
            name = data.get("source") or data.get("name")
            _note(f"[yellow]{escape(str(name))}[/yellow]: {escape(_short(str(problem), 160))}")
    if any(_as_dict(s).get("http_status") == 304 for s in summaries):
        _note("304: not modified since the last crawl (conditional GET), nothing to store")


def _short(text: str, width: int = 40) -> str:
    return shorten(" ".join(text.split()), width)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):
        return dict(value.model_dump())
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    return dict(vars(value))


def _describe(report: Any) -> str:
    message = getattr(report, "message", None)
    if message:
        return str(message)
    data = _as_dict(report)
    parts = [f"{k} {v}" for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool)]
    return ", ".join(parts) or str(report)


def _kil() -> str:
    """How the user ran `kil` (e.g. `.venv/bin/kil` before activating the venv)."""
    argv0 = sys.argv[0] if sys.argv else ""
    return argv0 if Path(argv0).name == "kil" else "kil"


def _where_to_look(
    ws: Workspace, base_url: str, site_url: str, *, serving: bool, issue_id: int | None
) -> None:
    config = ws.config_file
    kil = _kil()
    console.print("\n[bold green]Done.[/bold green] Where to look:")
    if serving:
        _note(f"web archive:  [link]{base_url}/[/link]  (issues at {base_url}/issues)")
    else:
        _note(f"web archive:  {kil} --config {config} serve")
    _note(f"emails:       {ws.outbox / 'new'}  (one .eml per subscriber)")
    _note(f"demo site:    {site_url}/  (only while `kil demo` runs)")
    _note(f"config:       {config}")
    console.print("\nNext, try:")
    for command in NEXT_COMMANDS:
        if "{issue}" in command:
            if issue_id is None:
                continue
            command = command.format(issue=issue_id)
        if _has_command(command):
            _note(f"{kil} --config {config} {command}")
    _note(f"{kil} demo --dir {ws.root} --reset   (start over)")


def _has_command(command: str) -> bool:
    """Whether this build of `kil` has the command (areas land independently)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    root = ctx.find_root()
    group: click.Command | None = root.command
    for name in command.split():
        if not isinstance(group, click.Group):
            return True  # a leaf command: the rest are its arguments
        group = group.get_command(root, name)
        if group is None:
            return False
    return True


def _serve(settings: Settings, port: int) -> None:
    import uvicorn

    from kil_feed.demo import steps

    app = steps.create_web_app(settings)
    url = f"http://127.0.0.1:{port}/"
    console.print(f"\nServing the web archive at [link]{url}[/link] (Ctrl-C stops)")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    console.print("stopped.")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
