"""`kil items approve|reject|feature|unfeature|reset|edit`: editor decisions on items.

Each command takes item IDs or filters (`--source`, `--since`, `--kind`, `--status`,
`--topic`, `--region`), never both. An item whose cluster (the same story from other
sources) has other items offers to act on the whole cluster: a prompt, or `--cluster` /
`--no-cluster` for scripts. Questions are asked before the write transaction begins, so a
waiting prompt never holds the database lock.
"""

from __future__ import annotations

import inspect
import logging

import typer

from kil_feed.cli.context import state
from kil_feed.cli.editform import Changes, apply_deltas, edit_in_editor
from kil_feed.cli.items import items_app
from kil_feed.cli.itemview import item_json
from kil_feed.cli.output import ROW_ID, console, print_json, print_table, success
from kil_feed.cli.selection import SINCE_HELP, ask_yes_no, interactive, make_filter
from kil_feed.db import read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.models import Item
from kil_feed.storage import curation
from kil_feed.storage.items import get_item, source_names
from kil_feed.text import counted, plain_title

logger = logging.getLogger(__name__)

PAST = {
    "approve": "approved",
    "reject": "rejected",
    "feature": "featured",
    "unfeature": "unfeatured",
    "reset": "reset to pending",
}
# Without --status, a filter picks these items (approving or rejecting leaves decided
# items alone unless asked with --status).
DEFAULT_STATUS = {"approve": "pending", "reject": "pending"}

IDS = typer.Argument(
    None, help="Item IDs (or use filters instead).", show_default=False, click_type=ROW_ID
)


def _opt_source() -> typer.models.OptionInfo:
    return typer.Option(None, "--source", help="Items from this source.")


def _opt_since() -> typer.models.OptionInfo:
    return typer.Option(None, "--since", help=SINCE_HELP)


def _opt_kind() -> typer.models.OptionInfo:
    return typer.Option(None, "--kind", help="news, job or notice.")


def _opt_status() -> typer.models.OptionInfo:
    return typer.Option(
        None, "--status", help="pending, approved, rejected or any (approve/reject: pending)."
    )


def _opt_topic() -> typer.models.OptionInfo:
    return typer.Option(None, "--topic", help="Items with this topic (repeatable).")


def _opt_region() -> typer.models.OptionInfo:
    return typer.Option(None, "--region", help="Items in this ITL1 region (repeatable).")


def _opt_cluster() -> typer.models.OptionInfo:
    return typer.Option(
        None, "--cluster/--no-cluster", help="Also act on items in the same cluster (no prompt)."
    )


def _opt_yes() -> typer.models.OptionInfo:
    return typer.Option(False, "--yes", "-y", help="Do not ask before a bulk change.")


def _opt_dry_run() -> typer.models.OptionInfo:
    return typer.Option(False, "--dry-run", help="Show what would change; change nothing.")


def _opt_json() -> typer.models.OptionInfo:
    return typer.Option(False, "--json", help="Print the changed items as JSON.")


def _choose(
    action: str,
    ids: list[int] | None,
    *,
    source: str | None,
    since: str | None,
    kind: str | None,
    status: str | None,
    topic: list[str] | None,
    region: list[str] | None,
    cluster: bool | None,
    yes: bool,
) -> tuple[list[Item], dict[int, str]]:
    """The items to act on (after any questions), and source names for display."""
    st = state()
    flt = make_filter(
        kind=kind,
        status=status,
        source=source,
        since=since,
        topics=topic,
        regions=region,
        tz=st.settings.timezone,
        default_status=DEFAULT_STATUS.get(action),
    )
    given_filters = any([source, since, kind, status, topic, region])
    if ids and given_filters:
        raise ValidationError("give item IDs or filters, not both")
    if not ids and not given_filters:
        raise ValidationError(
            "give item IDs or a filter", hint="e.g. --source NAME --since 7d; see --help"
        )
    with read_session(st.engine) as session:
        chosen = (
            curation.items_by_ids(ids, session=session)
            if ids
            else curation.select_items(flt, session=session)
        )
        extras = curation.cluster_extras(chosen, session=session) if chosen else []
        names = source_names(session=session)
    if extras:
        if cluster is None:
            n_clusters = len({i.cluster_id for i in extras})
            cluster = ask_yes_no(
                f"{len(extras)} other item(s) in the same cluster{'s' if n_clusters > 1 else ''} "
                f"({', '.join(str(i.id) for i in extras[:10])}"
                f"{', ...' if len(extras) > 10 else ''}): {action} them too?",
                default=False,
            )
        if cluster:
            chosen = chosen + extras
    bulk = chosen and not ids and not yes and interactive()
    if bulk and not ask_yes_no(f"{action.capitalize()} {len(chosen)} item(s)?", default=True):
        raise typer.Exit(1)
    return chosen, names


def _act(action: str, ids: list[int] | None, *, reason: str | None = None, **opts) -> None:  # type: ignore[no-untyped-def]
    as_json = opts.pop("as_json")
    dry_run = opts.pop("dry_run")
    chosen, names = _choose(action, ids, **opts)
    if dry_run:
        rows = [
            {
                "id": i.id,
                "source": names.get(i.source_id, "?"),
                "status": i.status,
                "title": plain_title(i.title),
            }
            for i in chosen
        ]
        if as_json:
            print_json([item_json(i, names.get(i.source_id, "?")) for i in chosen])
            return
        print_table(rows, ["id", "source", "status", "title"], title=f"would {action}")
        return
    done: list[Item] = []
    st = state()
    with write_session(st.engine) as session:
        for item in curation.items_by_ids([i.id for i in chosen], session=session):
            done.append(curation.apply_action(item, action, session=session, reason=reason))
    logger.info("items %s ids=%s", PAST[action], [i.id for i in done])
    if as_json:
        print_json([item_json(i, names.get(i.source_id, "?")) for i in done])
    elif not done:
        console.print("[dim]no items match[/dim]")
    else:
        shown = ", ".join(str(i.id) for i in done[:20]) + (", ..." if len(done) > 20 else "")
        success(f"{PAST[action]} {counted(len(done), 'item')} ({shown})")


REASON = typer.Option(None, "--reason", help="Why (helps `kil rules suggest`).")


def _action_command(action: str, doc: str, *, reason: bool = False):  # type: ignore[no-untyped-def]
    """A `kil items <action>` command: IDs or filters, and the options every action shares.

    The five actions take the same options (reject adds `--reason`), so their signature is
    built here once; Typer reads it from `__signature__` and `__annotations__`.
    """
    options: list[tuple[str, object, object]] = [
        ("ids", list[int] | None, IDS),
        *([("reason", str | None, REASON)] if reason else []),
        ("source", str | None, _opt_source()),
        ("since", str | None, _opt_since()),
        ("kind", str | None, _opt_kind()),
        ("status", str | None, _opt_status()),
        ("topic", list[str] | None, _opt_topic()),
        ("region", list[str] | None, _opt_region()),
        ("cluster", bool | None, _opt_cluster()),
        ("yes", bool, _opt_yes()),
        ("dry_run", bool, _opt_dry_run()),
        ("as_json", bool, _opt_json()),
    ]

    def command(**values: object) -> None:
        ids = values.pop("ids")
        _act(action, ids, **values)  # type: ignore[arg-type]

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, kind, default=default, annotation=hint)
         for name, hint, default in options]
    )  # fmt: skip
    command.__annotations__ = {name: hint for name, hint, _ in options} | {"return": None}
    command.__name__ = command.__qualname__ = action
    command.__doc__ = doc
    return items_app.command(action)(command)


approve = _action_command("approve", "Approve items for the newsletter and the web archive.")
reject = _action_command(
    "reject", "Reject items (they leave the queue and never reach a newsletter).", reason=True
)
feature = _action_command("feature", "Feature items (approves them too): they lead the newsletter.")
unfeature = _action_command("unfeature", "Stop featuring items (they stay approved).")
reset = _action_command(
    "reset", "Put items back in the review queue (pending, not featured, no reason)."
)


@items_app.command("edit")
def edit(
    item_id: int = typer.Argument(..., metavar="ID", help="The item to edit.", click_type=ROW_ID),
    title: str | None = typer.Option(None, "--title", help="New title."),
    summary: str | None = typer.Option(None, "--summary", help="New summary."),
    topic: list[str] | None = typer.Option(
        None, "--topic", help="+T adds a topic, -T removes one (repeatable; use --topic=-T)."
    ),
    region: list[str] | None = typer.Option(
        None, "--region", help="+R adds an ITL1 region, -R removes one (repeatable)."
    ),
    notes: str | None = typer.Option(None, "--notes", help="Editor's notes (not published)."),
    as_json: bool = _opt_json(),
) -> None:
    """Edit an item's title, summary, topics or regions; no options opens $EDITOR on a form."""
    from kil_feed.topics import topic_catalog

    st = state()
    check = topic_catalog(st.settings).check
    with read_session(st.engine) as session:
        item = get_item(item_id, session=session)
        source_name = source_names(session=session).get(item.source_id, "?")
    if any(v is not None for v in (title, summary, topic, region, notes)):
        changes = Changes(
            title=title,
            summary=summary,
            topics=(
                apply_deltas(item.topics or [], topic, regions=False, check=check)
                if topic
                else None
            ),
            regions=apply_deltas(item.regions or [], region, regions=True) if region else None,
            notes=notes,
        )
    else:
        changes = edit_in_editor(item, source_name, check)
        if changes is None:
            console.print(f"[dim]item {item_id} unchanged (nothing saved in the editor)[/dim]")
            return
    changed = save_changes(item_id, changes)
    with read_session(st.engine) as session:
        item = get_item(item_id, session=session)
    if as_json:
        print_json(item_json(item, source_name))
    elif changed:
        success(f"item {item_id} updated")
    else:
        console.print(f"[dim]item {item_id} unchanged[/dim]")


def save_changes(item_id: int, changes: Changes) -> bool:
    """Write an edit in its own transaction; True if anything changed. A built subject of
    an unsent issue the item leads follows its new title (`newsletter.subject`)."""
    from newsletter.subject import decide_subjects_with, refresh_subjects_with

    st = state()
    with write_session(st.engine) as session:
        item = get_item(item_id, session=session)
        decide_subjects_with(item_id, st.settings, session=session)
        changed = curation.edit_item(
            item,
            session=session,
            title=changes.title,
            summary=changes.summary,
            topics=changes.topics,
            regions=changes.regions,
            notes=changes.notes,
        )
        if changed:
            refresh_subjects_with(item_id, st.settings, session=session)
        return changed


def register(app: typer.Typer) -> None:
    """The commands are added to `kil items` (the group lives in `cli/items.py`)."""
