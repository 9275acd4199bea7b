"""`kil subscribers add|list|show|update|remove|unsubscribe|import|export`.

Addresses are checked with email-validator (syntax only, no DNS) and compared
case-insensitively. An editor's `add` or `import` vouches for consent, so those
subscribers are confirmed at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from kil_feed.cli.context import state
from kil_feed.cli.editform import apply_deltas
from kil_feed.cli.help import command_group
from kil_feed.cli.output import console, print_json, print_table, shown_field, success
from kil_feed.cli.selection import ask_yes_no, interactive
from kil_feed.db import read_session, write_session
from kil_feed.errors import ConflictError, ValidationError
from kil_feed.models import Subscriber, SubscriberStatus
from kil_feed.regions import canonical_region
from kil_feed.storage import subscribers as store
from kil_feed.subscriber_csv import import_csv, import_csv_bytes, write_csv
from kil_feed.text import one_line
from kil_feed.timeutil import isoformat
from kil_feed.topics import topic_catalog

subscribers_app = command_group(
    help="Newsletter subscribers: add, list, update, unsubscribe, import and export.",
    no_args_is_help=True,
)
STATUSES = ", ".join(s.value for s in SubscriberStatus)


def subscriber_json(sub: Subscriber) -> dict[str, Any]:
    return {
        "id": sub.id,
        "email": sub.email,
        "name": sub.name,
        "status": sub.status,
        "regions": list(sub.regions or []),
        "topics": list(sub.topics or []),
        "origin": sub.origin,
        "created_at": isoformat(sub.created_at),
        "confirmed_at": isoformat(sub.confirmed_at),
        "unsubscribed_at": isoformat(sub.unsubscribed_at),
        "bounced_at": isoformat(sub.bounced_at),
    }


def _check_status(status: str | None) -> str | None:
    if status is not None and status not in {s.value for s in SubscriberStatus}:
        raise ValidationError(f"bad --status {status!r}", hint=STATUSES)
    return status


def _modify(current: list[str], values: list[str] | None, *, regions: bool) -> list[str] | None:
    """Plain values replace the list; `+X` adds and `-X` removes."""
    if not values:
        return None
    plain = [v for v in values if v.strip()[:1] not in ("+", "-")]
    base = [] if plain else current
    check = None if regions else topic_catalog(state().settings).check
    return apply_deltas(base, values, regions=regions, check=check)


@subscribers_app.command("add")
def add(
    email: str = typer.Argument(..., help="The address (case does not matter)."),
    name: str = typer.Option("", "--name", help="The subscriber's name."),
    region: list[str] | None = typer.Option(None, "--region", help="ITL1 region (repeatable)."),
    topic: list[str] | None = typer.Option(None, "--topic", help="Topic (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the subscriber as JSON."),
) -> None:
    """Add a subscriber, confirmed at once (the editor vouches for consent)."""
    regions = list(dict.fromkeys(canonical_region(r) for r in region or []))
    topics = topic_catalog(state().settings).check_all([t for t in topic or [] if t.strip()])
    with write_session(state().engine) as session:
        sub = store.add_subscriber(
            email, session=session, name=name, regions=regions, topics=topics
        )
    if as_json:
        print_json(subscriber_json(sub))
    else:
        success(f"added {sub.email} (confirmed)")


@subscribers_app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", help=STATUSES),
    region: str | None = typer.Option(None, "--region", help="Subscribers of this ITL1 region."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List subscribers."""
    _check_status(status)
    region = canonical_region(region) if region else None
    with read_session(state().engine) as session:
        subs = store.list_subscribers(session=session, status=status, region=region)
    if as_json:
        print_json([subscriber_json(s) for s in subs])
        return
    print_table(
        (subscriber_json(s) for s in subs),
        ["email", "name", "status", "regions", "topics"],
        title=f"{len(subs)} subscriber(s)",
        empty="no subscribers",
    )


@subscribers_app.command("show")
def show(
    email: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one subscriber."""
    with read_session(state().engine) as session:
        sub = store.get_subscriber(email, session=session)
    data = subscriber_json(sub)
    if as_json:
        print_json(data)
        return
    tz = state().settings.timezone
    for key, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else value)
        shown = shown_field(key, shown, tz)
        console.print(f"[dim]{key:>16}[/dim]  {escape(one_line(str(shown)))}")


@subscribers_app.command("update")
def update(
    email: str = typer.Argument(...),
    new_email: str | None = typer.Option(None, "--email", help="Change the address."),
    name: str | None = typer.Option(None, "--name", help="Change the name."),
    region: list[str] | None = typer.Option(
        None, "--region", help="Regions: plain values replace, +R adds, -R removes (repeatable)."
    ),
    topic: list[str] | None = typer.Option(
        None, "--topic", help="Topics: plain values replace, +T adds, -T removes (repeatable)."
    ),
    status: str | None = typer.Option(None, "--status", help=STATUSES),
    as_json: bool = typer.Option(False, "--json", help="Print the subscriber as JSON."),
) -> None:
    """Change a subscriber's address, name, regions, topics or status."""
    _check_status(status)
    with write_session(state().engine) as session:
        sub = store.get_subscriber(email, session=session)
        changed = store.update_subscriber(
            sub,
            session=session,
            email=new_email,
            name=name,
            regions=_modify(list(sub.regions or []), region, regions=True),
            topics=_modify(list(sub.topics or []), topic, regions=False),
            status=status,
        )
    if as_json:
        print_json(subscriber_json(sub))
    elif changed:
        success(f"updated {sub.email}")
    else:
        console.print(f"[dim]{escape(sub.email)} unchanged[/dim]")


@subscribers_app.command("remove")
def remove(
    email: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
) -> None:
    """Delete a subscriber and their delivery records for good (erasure requests)."""
    with read_session(state().engine) as session:
        sub = store.get_subscriber(email, session=session)
    if not yes and interactive() and not ask_yes_no(f"Delete {sub.email} for good?"):
        raise typer.Exit(1)
    with write_session(state().engine) as session:
        store.remove_subscriber(email, session=session)
    success(f"removed {sub.email} and their delivery records")


@subscribers_app.command("unsubscribe")
def unsubscribe(email: str = typer.Argument(...)) -> None:
    """Unsubscribe an address (kept, so imports never resubscribe it)."""
    with write_session(state().engine) as session:
        sub = store.get_subscriber(email, session=session)
        changed = store.set_status(sub, SubscriberStatus.unsubscribed.value, session=session)
    if changed:
        success(f"unsubscribed {sub.email}")
    else:
        console.print(f"[dim]{escape(sub.email)} was already unsubscribed[/dim]")


@subscribers_app.command("import")
def import_(
    file: str = typer.Argument(
        ..., metavar="FILE.csv", help="CSV: email,name,regions,topics,status; - for stdin."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import subscribers from CSV (exit 2 when some rows were invalid; the rest are kept)."""
    engine = state().engine
    topics = topic_catalog(state().settings)
    if file == "-":  # as `export -` writes to stdout
        data = sys.stdin.buffer.read()
        report = import_csv_bytes(
            engine, data, origin="standard input", dry_run=dry_run, topics=topics
        )
    else:
        report = import_csv(engine, Path(file), dry_run=dry_run, topics=topics)
    if as_json:
        print_json(report.as_dict())
    else:
        verb = "would add" if dry_run else "added"
        console.print(
            f"{verb} {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, skipped {len(report.skipped)}, "
            f"invalid {len(report.invalid)}"
        )
        for entry in report.skipped:
            console.print(
                f"  line {entry['line']}: {entry['email']}: {entry['reason']}", markup=False
            )
        for entry in report.invalid:
            console.print(f"  [red]line {entry['line']}[/red]: {escape(str(entry['reason']))}")
    if report.invalid:
        raise typer.Exit(2)


@subscribers_app.command("export")
def export(
    file: str = typer.Argument(..., metavar="FILE.csv", help="Where to write; - for stdout."),
    status: str | None = typer.Option(None, "--status", help=STATUSES),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Export subscribers as CSV in the import format."""
    _check_status(status)
    with read_session(state().engine) as session:
        subs = store.list_subscribers(session=session, status=status)
    if file == "-":
        write_csv(subs, sys.stdout)
        return
    path = Path(file)
    if path.exists() and not force:
        raise ConflictError(f"{path} already exists", hint="use --force to overwrite it")
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            count = write_csv(subs, out)
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
    success(f"wrote {count} subscriber(s) to {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(subscribers_app, name="subscribers")
