"""`kil buyers list|show`: the organisations behind notices, with their jobs, news, signals."""

from __future__ import annotations

import typer
from rich.markup import escape

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import console, print_json, print_table
from kil_feed.db import read_session
from kil_feed.notice_view import buyer_fields, notice_fields, signal_line
from kil_feed.serialize import title_fields
from kil_feed.storage import buyers as store

buyers_app = command_group(help="Buyers: who publishes the notices.", no_args_is_help=True)


@buyers_app.command("list")
def list_cmd(
    query: str | None = typer.Option(None, "--search", help="Only names containing this."),
    limit: int = typer.Option(100, "--limit", min=1, max=10000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List buyers, those with the most notices first."""
    st = state()
    with read_session(st.engine) as session:
        rows = store.list_buyers(session=session, query=query, limit=limit)
    data = [{**buyer_fields(r.buyer), "notices": r.notices, "jobs": r.jobs} for r in rows]
    if as_json:
        print_json(data)
        return
    print_table(
        data,
        ["slug", "name", "buyer_type", "region", "notices", "jobs"],
        title="Buyers",
        empty=f"no buyer's name contains {escape(repr(query))}"  # print_table's markup
        if query
        else "no buyers yet: crawl a notices source (`kil sources add ... --kind notices`)",
    )


@buyers_app.command("show")
def show_cmd(
    slug: str = typer.Argument(..., help="The buyer's slug (see `kil buyers list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A buyer's notices, open jobs, recent news and signals."""
    st = state()
    with read_session(st.engine) as session:
        buyer = store.get_buyer(slug, session=session)
        found = store.buyer_items(buyer, session=session)
        jobs, news = len(found.jobs), len(found.news)
        data = {
            **buyer_fields(buyer),
            "notices": [
                {
                    "id": n.id,
                    **title_fields(n.title),
                    "url": n.url,
                    "stage": notice_fields(n).get("stage"),
                    "notice_type": notice_fields(n).get("notice_type"),
                    "signal": signal_line(n, jobs, news),
                }
                for n in found.notices
            ],  # fmt: skip
            "jobs": [{"id": j.id, **title_fields(j.title), "url": j.url} for j in found.jobs],
            "news": [{"id": s.id, **title_fields(s.title), "url": s.url} for s in found.news],
        }
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{escape(buyer.name)}[/bold] ({escape(buyer.buyer_type or 'buyer')}, "
                  f"{escape(buyer.region or 'region unknown')})")  # fmt: skip
    for section in ("notices", "jobs", "news"):
        rows = data[section]
        console.print(f"\n[bold]{section.capitalize()}[/bold] ({len(rows)})")  # type: ignore[arg-type]
        for row in rows:  # type: ignore[union-attr]
            console.print(f"  {row.get('signal') or row['title']}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(buyers_app, name="buyers")
