"""`kil items ...`: the group other modules add commands to (listing here, curation in
`curation.py`)."""

from __future__ import annotations

import typer
from rich.markup import escape

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.itemview import ESTIMATED
from kil_feed.cli.output import (
    ROW_ID,
    at_most_count,
    console,
    print_json,
    print_table,
    shown_field,
    time_cell,
)
from kil_feed.cli.selection import SINCE_HELP, parse_since
from kil_feed.db import read_session
from kil_feed.errors import ValidationError
from kil_feed.serialize import item_to_dict
from kil_feed.storage import items as item_store

items_app = command_group(
    help="Collected news and jobs: list, show and curate.", no_args_is_help=True
)


@items_app.command("list")
def list_cmd(
    kind: str | None = typer.Option(None, "--kind", help="news, job or notice."),
    status: str | None = typer.Option(None, "--status", help="pending, approved or rejected."),
    source: str | None = typer.Option(None, "--source", help="Only items of this source."),
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    limit: int = typer.Option(
        100, "--limit", min=1, callback=at_most_count, help="At most this many items."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List items, newest first."""
    if kind and kind not in ("news", "job", "notice"):
        raise ValidationError(f"unknown kind {kind!r}", hint="use news, job or notice")
    if status and status not in ("pending", "approved", "rejected"):
        raise ValidationError(f"unknown status {status!r}", hint="use pending, approved, rejected")
    st = state()
    with read_session(st.engine) as session:
        if source:
            from kil_feed.storage.sources import get_source

            get_source(source, session=session)
        rows = item_store.list_items(
            session=session, kind=kind, status=status, source=source,
            since=parse_since(since, st.settings.timezone), limit=limit,
        )  # fmt: skip
        names = item_store.source_names(session=session)
    data = [item_to_dict(item, names.get(item.source_id), raw=True) for item in rows]
    if as_json:
        print_json(data)
        return
    tz = st.settings.timezone
    table = [{**d, "published": time_cell(d["published_at"], tz)} for d in data]
    print_table(
        table,
        ["id", "kind", "status", "published", "source", "title", "regions"],
        title="Items",
        empty="no items match",
    )


@items_app.command("show")
def show_cmd(
    item_id: int = typer.Argument(..., help="Item id.", click_type=ROW_ID),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (every field)."),
    show_all: bool = typer.Option(False, "--all", help="Also the fields that are empty."),
) -> None:
    """Show one item: its fields that have a value (`--all` for every field)."""
    st = state()
    with read_session(st.engine) as session:
        item = item_store.get_item(item_id, session=session)
        names = item_store.source_names(session=session)
    data = item_to_dict(item, names.get(item.source_id), full=True, raw=True)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key == "body_html" or (not show_all and value in (None, "", [], {})):
            continue
        if key.endswith("_raw") and value == data.get(key.removesuffix("_raw")):
            continue  # stored as shown: said once
        shown = ", ".join(value) if isinstance(value, list) else value
        shown = shown_field(key, shown, st.settings.timezone)
        if key == "published_at" and item.date_estimated:
            shown = f"{shown} ({ESTIMATED})"
        console.print(f"[bold]{key}[/bold]: {escape('' if shown is None else str(shown))}")


@items_app.command("reclassify")
def reclassify_cmd(
    kind: str | None = typer.Option(None, "--kind", help="news, job or notice."),
    source: str | None = typer.Option(None, "--source", help="Only items of this source."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would change; save nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Re-read stored items' topics, regions, pay and IR35 with today's rules."""
    from dataclasses import asdict

    from kil_feed.reclassify import reclassify

    if kind and kind not in ("news", "job", "notice"):
        raise ValidationError(f"unknown kind {kind!r}", hint="use news, job or notice")
    st = state()
    source_id = None
    if source:
        from kil_feed.storage.sources import get_source

        with read_session(st.engine) as session:
            source_id = get_source(source, session=session).id
    report = reclassify(st.engine, st.settings, kind=kind, source_id=source_id, dry_run=dry_run)
    if as_json:
        print_json(asdict(report))
        return
    fields = ", ".join(f"{name} {count}" for name, count in report.fields.items() if count)
    verb = "would change" if dry_run else "changed"
    line = f"{report.changed} of {report.examined} items {verb}"
    if fields:
        line += f" ({fields})"
    if report.kept_edited:
        line += f"; {report.kept_edited} kept an editor's edits"
    console.print(escape(line))


def register(app: typer.Typer) -> None:
    app.add_typer(items_app, name="items")
