"""`kil topics list`: the known topics (slug and label) from the topic rules, with how many
items carry each, and the tags on items that are not in the list (to clean up)."""

from __future__ import annotations

import typer

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import console, print_json, print_table
from kil_feed.db import read_session
from kil_feed.storage.items import tag_counts
from kil_feed.topics import topic_catalog

topics_app = command_group(help="The known topics: what items and subscribers can choose.")


@topics_app.command("list")
def list_topics(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show every known topic: its slug (stored and typed), its label (shown to people)."""
    st = state()
    catalog = topic_catalog(st.settings)
    with read_session(st.engine) as session:
        counts = tag_counts("topic", session=session)
    rows = [{"slug": t.slug, "label": t.label, "items": counts.get(t.slug, 0)}
            for t in catalog.topics]  # fmt: skip
    unknown = {v: n for v, n in sorted(counts.items()) if v not in catalog.slugs}
    if as_json:
        print_json({"topics": rows, "unknown_in_use": unknown})
        return
    origin = st.settings.crawl.topics_file or "the bundled topics.toml"
    print_table(rows, ["slug", "label", "items"], title=f"Topics (from {origin})")
    if unknown:
        listed = ", ".join(f"{v} ({n})" for v, n in unknown.items())
        console.print(
            f"[yellow]on items but not in the topic list[/yellow]: {listed}; "
            "remove them with `kil items edit ID --topic=-NAME`"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics", no_args_is_help=True)
