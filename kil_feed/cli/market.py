"""`kil market`: what the interim market pays and how many roles are open, per ISO week and
per quarter, for a region and a role family (the same figures as `/market`)."""

from __future__ import annotations

import click
import typer

from kil_feed.cli.context import state
from kil_feed.cli.output import console, print_json, print_table


def market(
    region: str | None = typer.Option(None, "--region", help="An ITL1 region, e.g. 'North West'."),
    role: str | None = typer.Option(None, "--role", help="A role family, e.g. procurement."),
    week: str | None = typer.Option(None, "--week", help="Up to this ISO week (default: now)."),
    weeks: int = typer.Option(12, "--weeks", min=1, max=104, help="How many weeks to show."),
    notices: bool = typer.Option(
        False, "--notices", help="Procurement notices instead: tenders, awards, top buyers."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Day rates (median, IQR, count), open and new roles, IR35 share, by week and quarter;
    with --notices, tenders and awards (count, GBP value) by region and buyer type."""
    from kil_feed.db import read_session
    from kil_feed.marketview import figures_json, market_filters, pulse_sentence
    from kil_feed.money import amount as pounds
    from kil_feed.roles import ROLE_LABELS
    from kil_feed.storage.market import MIN_ADVERTS, market_figures

    if notices and role is not None:  # the notices have no role family: it did nothing
        raise click.UsageError("--role is for jobs: the notices have no role family")
    region, role, today = market_filters(region, role, week)
    if notices:
        from kil_feed.cli.market_notices import print_notice_figures

        print_notice_figures(region, today, weeks, as_json)
        return
    st = state()
    with read_session(st.engine) as session:
        figs = market_figures(
            session=session, region=region, role=role, weeks=weeks, today=today,
            tz=st.settings.timezone,
        )  # fmt: skip
    if as_json:
        print_json(figures_json(figs))
        return
    rows = [
        {
            "period": p.period,
            "open": p.open_roles,
            "new": p.new_roles,
            "£/day": pounds(p.day_rate.median) or "too few",
            "IQR": f"{pounds(p.day_rate.q1)}–{pounds(p.day_rate.q3)}" if p.day_rate.enough else "",
            "n": p.day_rate.count,
            "salary": pounds(p.salary.median) or "too few",
            "n ": p.salary.count,
            "in IR35": "too few" if p.inside_share is None else f"{p.inside_share:.0%}",
        }
        for p in [*figs.weeks, *figs.quarters]
    ]
    scope = f"{region or 'Every region'} · {ROLE_LABELS[role] if role else 'every role'}"
    print_table(rows, list(rows[0]), title=scope)
    console.print(
        f"£/day: median day rate of interim and contract roles, IQR its middle half, n how "
        f"many roles; salary: annual, kept apart; 'too few': under {MIN_ADVERTS} roles (not "
        f"enough data). Hourly rates without stated hours, left out: "
        f"{figs.weeks[-1].hourly_without_hours} this week."
    )
    console.print(pulse_sentence(region, figs))


def register(app: typer.Typer) -> None:
    app.command("market")(market)
