"""`kil status`: one screen on the health of everything an editor looks after each week:
sources (healthy or failing, and why), this week's items by status and kind, the next
scheduled jobs, the draft issue and its size, and subscribers by status."""

from __future__ import annotations

import logging
from typing import Any

import typer
from rich.markup import escape
from sqlalchemy.engine import Engine

from kil_feed.cli.context import state
from kil_feed.cli.output import console, print_json, print_table, time_cell
from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.errors import KilError
from kil_feed.models import ItemKind, ItemStatus, Source, SubscriberStatus
from kil_feed.storage import status as status_store
from kil_feed.storage.sources import list_sources
from kil_feed.storage.subscribers import status_counts
from kil_feed.timeutil import iso_week, isoformat, utcnow, week_bounds

logger = logging.getLogger(__name__)

RECENT_RUNS = 5


def source_health(source: Source) -> str:
    if not source.enabled:
        return "disabled"
    if source.consecutive_failures > 0:
        return "failing"
    if source.last_crawled_at is None:
        return "never crawled"
    return "healthy"


def upcoming_jobs(engine: Engine, settings: Settings) -> dict[str, Any]:
    """The scheduler's next runs and its latest runs."""
    from kil_feed.scheduler import recent_runs, upcoming

    recent = [
        {
            "job": run.job,
            "status": run.status,
            "started_at": isoformat(run.started_at),
            "finished_at": isoformat(run.finished_at),
            "detail": run.detail,
        }
        for run in recent_runs(engine, limit=RECENT_RUNS)
    ]
    try:
        jobs = [
            {"job": name, "next_run": isoformat(when)} for name, when in upcoming(engine, settings)
        ]
    except KilError as exc:
        return {"available": True, "jobs": [], "recent_runs": recent, "error": str(exc)}
    return {"available": True, "jobs": jobs, "recent_runs": recent, "error": None}


def collect(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Everything `kil status` shows, as plain data (the JSON output)."""
    from newsletter.subject import issue_subject

    week = iso_week(tz=settings.timezone)
    start, end = week_bounds(week, settings.timezone)
    with read_session(engine) as session:
        sources = [
            {
                "name": s.name,
                "kind": s.kind,
                "health": source_health(s),
                "consecutive_failures": s.consecutive_failures,
                "last_error": s.last_error if s.consecutive_failures else None,
                "last_success_at": isoformat(s.last_success_at),
                "last_crawled_at": isoformat(s.last_crawled_at),
            }
            for s in list_sources(session=session)
        ]
        counts = status_store.item_counts(start, end, session=session)
        draft = status_store.current_draft(session=session)
        draft_data = None
        if draft is not None and draft.id is not None:
            sections = status_store.issue_sections(draft.id, session=session)
            draft_data = {
                "id": draft.id,
                "week": draft.week,
                "subject": issue_subject(draft, settings, session=session)[0],
                "items": sum(sections.values()),
                "sections": sections,
            }
        subscribers = status_counts(session=session)
    from newsletter.build import waiting_items

    now = utcnow()
    waiting = waiting_items(engine, settings, now=now)
    by_status = {s.value: 0 for s in ItemStatus}
    by_kind = {k.value: 0 for k in ItemKind}
    for status, kind, count in counts:
        by_status[status] = by_status.get(status, 0) + count
        by_kind[kind] = by_kind.get(kind, 0) + count
    return {
        "sources": sources,
        "items_this_week": {
            "week": week,
            "total": sum(c for *_, c in counts),
            "by_status": by_status,
            "by_kind": by_kind,
            "by_status_and_kind": [
                {"status": s, "kind": k, "count": c} for s, k, c in sorted(counts)
            ],
        },
        "schedule": upcoming_jobs(engine, settings),
        "draft_issue": draft_data,
        "waiting_items": waiting.as_json(now),
        "subscribers": {**{s.value: 0 for s in SubscriberStatus}, **subscribers},
    }


def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Sources, this week's items, the next jobs, the draft issue and subscribers."""
    st = state()
    data = collect(st.engine, st.settings)
    if as_json:
        print_json(data)
        return
    show(data, st.settings.timezone)


def show(data: dict[str, Any], tz: str = "UTC") -> None:
    """For people: times as `today 08:14` or `3 days ago` in `tz` (`--json` keeps ISO)."""
    sources = data["sources"]
    failing = [s for s in sources if s["health"] == "failing"]
    console.print(
        f"[bold]Sources[/bold]: {len(sources)}, "
        f"{sum(s['health'] == 'healthy' for s in sources)} healthy, {len(failing)} failing"
    )
    print_table(
        [{**s, "last_success_at": time_cell(s["last_success_at"], tz, "never")} for s in sources],
        ["name", "health", "consecutive_failures", "last_success_at", "last_error"],
        empty="no sources yet: `kil sources import sources.toml`",
    )
    week = data["items_this_week"]
    console.print(f"\n[bold]Items collected in {week['week']}[/bold]: {week['total']}")
    kinds = list(week["by_kind"])
    rows = []
    for status_name in week["by_status"]:
        row: dict[str, Any] = {"status": status_name}
        for entry in week["by_status_and_kind"]:
            if entry["status"] == status_name:
                row[entry["kind"]] = entry["count"]
        rows.append({**{k: 0 for k in kinds}, **row, "total": week["by_status"][status_name]})
    print_table(rows, ["status", *kinds, "total"])
    schedule = data["schedule"]
    console.print("\n[bold]Next scheduled jobs[/bold]")
    if not schedule["available"]:
        console.print("[dim]the scheduler is not installed[/dim]")
    elif schedule["error"]:
        console.print(f"[red]{escape(str(schedule['error']))}[/red]")
    else:
        print_table(
            [
                {"job": j["job"], "next_run": time_cell(j["next_run"], tz, "paused")}
                for j in schedule["jobs"]
            ],
            ["job", "next_run"],
            empty="no jobs scheduled",
        )
    if schedule.get("recent_runs"):
        console.print("\n[bold]Recent scheduler runs[/bold]")
        print_table(
            [
                {**r, "started_at": time_cell(r["started_at"], tz, "paused")}
                for r in schedule["recent_runs"]
            ],
            ["job", "status", "started_at", "detail"],
        )
    draft = data["draft_issue"]
    console.print("\n[bold]Draft issue[/bold]: ", end="")
    if draft is None:
        console.print("[dim]none (`kil issue build`)[/dim]")
    else:
        sections = ", ".join(f"{k} {v}" for k, v in draft["sections"].items()) or "empty"
        console.print(f"#{draft['id']} {draft['week']}, {draft['items']} item(s) ({sections})")
    console.print(f"[bold]Waiting[/bold]: {escape(data['waiting_items']['summary'])}")
    subs = data["subscribers"]
    console.print("\n[bold]Subscribers[/bold]: " + ", ".join(f"{k} {v}" for k, v in subs.items()))


def register(app: typer.Typer) -> None:
    app.command("status")(status)
