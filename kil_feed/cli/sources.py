"""`kil sources ...`: add, list, show, enable, disable, remove, import and check sources."""

from __future__ import annotations

from pathlib import Path

import click
import typer
from rich.markup import escape

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import (
    at_most_count,
    console,
    error_line,
    print_json,
    print_table,
    shown_field,
    success,
    time_cell,
    write_file,
)
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, FetchError
from kil_feed.models import Source, source_display_name
from kil_feed.sources_file import (
    SourceSpec,
    default_sources_text,
    parse_options,
    validate_spec,
)
from kil_feed.storage import crawl_runs
from kil_feed.storage import sources as store
from kil_feed.text import counted, plain_title
from kil_feed.timeutil import isoformat

sources_app = command_group(help="Where news and jobs come from.", no_args_is_help=True)


def source_to_dict(source: Source, items: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {
        "name": source.name,
        "title": source.title,
        "display_name": source_display_name(source.title, source.name),
        "kind": source.kind,
        "url": source.url,
        "enabled": source.enabled,
        "topics": list(source.topics or []),
        "regions": list(source.regions or []),
        "interval": source.interval_minutes,
        "options": dict(source.options or {}),
        "last_crawled_at": isoformat(source.last_crawled_at),
        "last_success_at": isoformat(source.last_success_at),
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
        # a feed or notices source last read with a defect (a malformed feed that gave
        # entries, notice data with releases skipped that gave notices): ok, with this
        "warning": source.last_error
        if source.kind in ("feed", "notices") and not source.consecutive_failures
        else None,
    }
    data["health"] = _health(data)
    if items is not None:
        data["items"] = items
    return data


@sources_app.command("add")
def add_cmd(
    name: str = typer.Argument(..., help="A short unique name."),
    url: str = typer.Argument(..., help="The feed, listing page or job board URL."),
    kind: str = typer.Option("feed", "--kind", help="feed, page, jobs or notices."),
    topic: list[str] = typer.Option([], "--topic", help="Topic added to every item (repeat)."),
    region: list[str] = typer.Option([], "--region", help="ITL1 region of every item (repeat)."),
    option: list[str] = typer.Option([], "--option", help="Spider option key=value (repeat)."),
    interval: int | None = typer.Option(None, "--interval", help="Minutes between crawls."),
    title: str | None = typer.Option(
        None, "--title", help="Display name (else the feed's or site's own title)."
    ),
) -> None:
    """Add a source."""
    st = state()
    spec = SourceSpec(
        name=name, url=url, kind=kind, topics=topic, regions=region,
        interval_minutes=interval, options=parse_options(option),
        title=" ".join(title.split()) or None if title else None,
    )  # fmt: skip
    from kil_feed.topics import topic_catalog

    validate_spec(
        spec, allow_private=st.settings.allow_private_networks, topics=topic_catalog(st.settings)
    )
    with write_session(st.engine) as session:
        if store.find_source(spec.name, session=session) is not None:
            raise ConflictError(
                f"a source named {spec.name!r} exists", hint="remove it first or use another name"
            )
        store.upsert_source(spec.name, session=session, **spec.fields())
    success(f"added source {spec.name} ({spec.kind}) {spec.url}")


@sources_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List sources with their health."""
    st = state()
    with read_session(st.engine) as session:
        rows = store.list_sources(session=session)
        counts = store.item_counts(session=session)
    data = [source_to_dict(s, counts.get(s.id or 0, 0)) for s in rows]
    if as_json:
        print_json(data)
        return
    tz = st.settings.timezone
    table = [
        {**d, "status": _status(d), "last_crawled": time_cell(s.last_crawled_at, tz, "never")}
        for s, d in zip(rows, data, strict=True)
    ]
    print_table(
        table,
        ["name", "display_name", "kind", "enabled", "items", "last_crawled", "status", "url"],
        title="Sources",
        empty="no sources yet: `kil sources add` or `kil sources import`",
    )


def _health(source: dict[str, object]) -> str:
    """`ok`, `never crawled` or `error: ...` (the last error, shortened); a source read
    with a `warning` is ok."""
    if source["last_error"] and not source["warning"]:
        return f"error: {str(source['last_error'])[:60]}"
    return "ok" if source["last_crawled_at"] else "never crawled"


def _status(source: dict[str, object]) -> str:
    """The health as the sources table shows it, with a source's warning (shortened)."""
    warning = source["warning"]
    return f"ok (warning: {str(warning)[:50]})" if warning else str(source["health"])


@sources_app.command("show")
def show_cmd(
    name: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Show a source, its health and its latest crawl runs."""
    st = state()
    with read_session(st.engine) as session:
        source = store.get_source(name, session=session)
        items = store.item_counts(session=session).get(source.id or 0, 0)
        runs = crawl_runs.runs_for_source(source.id or 0, session=session)
    data = source_to_dict(source, items)
    data["runs"] = [
        {
            "started_at": isoformat(r.started_at),
            "finished_at": isoformat(r.finished_at),
            "http_status": r.http_status,
            "new": r.items_new,
            "updated": r.items_updated,
            "duplicate": r.items_duplicate,
            "dropped": r.items_dropped,
            "error": r.error,
        }
        for r in runs
    ]
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    tz = st.settings.timezone
    for key, value in data.items():
        if key != "runs":
            value = shown_field(key, value, tz)
            console.print(f"[bold]{key}[/bold]: {escape(str(value if value is not None else ''))}")
    print_table(
        [{**r, "started_at": time_cell(r["started_at"], tz)} for r in data["runs"]],  # type: ignore[attr-defined]
        ["started_at", "http_status", "new", "updated", "duplicate", "dropped", "error"],
        title="Latest crawls",
        empty="never crawled",
    )


def _set_enabled(name: str, enabled: bool) -> None:
    st = state()
    with write_session(st.engine) as session:
        source = store.get_source(name, session=session)
        store.upsert_source(source.name, session=session, enabled=enabled)
    success(f"{'enabled' if enabled else 'disabled'} {name}")


@sources_app.command("enable")
def enable_cmd(name: str = typer.Argument(...)) -> None:
    """Crawl this source again."""
    _set_enabled(name, True)


@sources_app.command("disable")
def disable_cmd(name: str = typer.Argument(...)) -> None:
    """Stop crawling this source (its items stay)."""
    _set_enabled(name, False)


@sources_app.command("remove")
def remove_cmd(
    name: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a source with its items and crawl history."""
    st = state()
    if not yes:
        with read_session(st.engine) as session:  # a name that is not there: say so, not ask
            store.get_source(name, session=session)
        typer.confirm(f"Delete source {name} and all its items?", abort=True)
    with write_session(st.engine) as session:
        store.remove_source(name, session=session)
    success(f"removed {name}")


@sources_app.command("import")
def import_cmd(
    file: Path | None = typer.Argument(None, help="A sources file: TOML, or OPML (.opml)."),
    defaults: bool = typer.Option(False, "--defaults", help="Import the bundled sources."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Create or update sources from a file (exit 2 when some were invalid; the rest are kept)."""
    from kil_feed.source_import import import_sources, read_rows
    from kil_feed.sources_file import read_sources

    st = state()
    if defaults and file is not None:
        raise click.UsageError("give a sources file or --defaults, not both")
    if defaults:
        rows = read_sources(default_sources_text(), origin="bundled sources.toml")
    elif file is not None:
        rows = read_rows(file)
    else:
        from kil_feed.errors import ValidationError

        raise ValidationError("give a sources file or --defaults")
    from kil_feed.topics import topic_catalog

    allow = st.settings.allow_private_networks
    report = import_sources(
        st.engine, rows, allow_private=allow, dry_run=dry_run, topics=topic_catalog(st.settings)
    )
    if as_json:
        print_json(report.as_dict())
    else:
        verb = "checked" if dry_run else "imported"
        typer.echo(
            f"{verb} {report.total} sources: {len(report.added)} new, "
            f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
            f"{len(report.invalid)} invalid"
        )
        for entry in report.invalid:
            where = f"line {entry['line']}" if entry["line"] else "a source"
            typer.echo(f"  {where}: {entry['reason']}")
    if report.invalid:
        raise typer.Exit(2)


@sources_app.command("export")
def export_cmd(
    fmt: str = typer.Option("toml", "--format", help="toml (every source) or opml (feeds)."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: stdout)."),
) -> None:
    """Write the sources as a file that `kil sources import` reads back."""
    from kil_feed.sources_file import write_sources
    from kil_feed.sources_opml import write_opml

    if fmt not in ("toml", "opml"):
        from kil_feed.errors import ValidationError

        raise ValidationError(f"unknown format {fmt!r}", hint="use toml or opml")
    with read_session(state().engine) as session:
        sources = list(store.list_sources(session=session))
    if fmt == "opml":
        feeds = [s for s in sources if s.kind == "feed"]
        text = write_opml(feeds)
        if len(feeds) < len(sources):
            typer.echo(
                f"note: {len(sources) - len(feeds)} page and jobs sources are not in the OPML "
                "(it lists feeds only): use --format toml for all of them",
                err=True,
            )
    else:
        text = write_sources(sources)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_file(out, text.encode("utf-8"))
    success(f"wrote {out}")


@sources_app.command("check")
def check_cmd(
    name: str = typer.Argument(...),
    limit: int = typer.Option(10, "--limit", min=0, callback=at_most_count, help="Items to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    days: int | None = typer.Option(
        None, "--days", min=1, max=3650, help="Notices: ask the last N days (else backfill_days)."
    ),
) -> None:
    """Fetch a source once and show what would be stored (stores nothing; a notices source
    is asked a recent window, never from its checkpoint, which stays where it is)."""
    from kil_feed.checking import check_source

    st = state()
    with read_session(st.engine) as session:
        source = store.get_source(name, session=session)
    result = check_source(st.settings, source, days=days)
    tz = st.settings.timezone
    if as_json:
        print_json(result)
    else:
        from kil_feed.notices_read import problem_line, read_lines, window_line

        if problem := problem_line(result, tz=tz):
            console.print(f"[yellow]problem:[/yellow] {escape(problem)}")
        if result["read"]:  # a notices source: what its answer was, held and kept
            console.print(window_line(result["window"], tz=tz), markup=False)
            options = dict(source.options or {})
            for line in read_lines(result["read"], options, failed=bool(result["error"])):
                console.print(line, markup=False)
        if result["dropped"]:
            reasons = ", ".join(f"{why} ({n})" for why, n in sorted(result["dropped"].items()))
            console.print(f"[yellow]not stored:[/yellow] {escape(reasons)}")
        if result["page_errors"]:
            console.print(f"[yellow]pages failed:[/yellow] {len(result['page_errors'])}")
            for page in result["page_errors"]:
                http, error = page["http_status"], page["error"]
                said = f" (HTTP {http})" if http and not error.startswith("HTTP ") else ""
                console.print(f"  {page['url']}: {error}{said}", markup=False)
        shown = [
            {**i, "title": plain_title(i["title"]), "published": time_cell(i["published_at"], tz)}
            for i in result["items"][:limit]
        ]
        print_table(  # titles as the pages show them; --json has the records as stored
            shown,
            ["kind", "published", "title", "topics", "regions", "url"],
            title=f"{name}: {counted(len(result['items']), 'item')} would be stored",
            empty="nothing would be stored",
        )
    if result["error"]:  # a check that could not fetch is a failed check
        error_line(f"{name}: {result['error']}")
        raise typer.Exit(FetchError.exit_code)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
