"""`kil issue` commands: build, list, show, edit, approve, preview, send."""

from __future__ import annotations

import contextlib
import re
import tempfile
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import typer

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import (
    ROW_ID,
    at_most_count,
    console,
    error_line,
    print_json,
    print_table,
    success,
    warning_line,
    write_file,
)
from kil_feed.db import read_session
from kil_feed.errors import ValidationError
from kil_feed.serialize import title_fields
from kil_feed.storage import deliveries as ledger
from kil_feed.storage import issues as issues_db
from kil_feed.storage.items import source_names
from kil_feed.text import plain_intro, plain_text

issue_app = command_group(help="Weekly newsletter issues: build, edit, preview and send.")


def register(app: typer.Typer) -> None:
    """Add the `issue` group to `app`."""
    app.add_typer(issue_app, name="issue", no_args_is_help=True)


def _issue_row(issue: Any, items: int, counts: dict[str, int], subject: str) -> dict[str, Any]:
    """An issue as listed; `subject`: the one it has now (`newsletter.subject`)."""
    return {
        "id": issue.id,
        "week": issue.week,
        "status": issue.status,
        "subject": subject,
        "items": items,
        "sent": counts.get("sent", 0),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "failed": counts.get("failed", 0),
        "created_at": issue.created_at,
        "approved_at": issue.approved_at,
        "sent_at": issue.sent_at,
    }


@issue_app.command("build")
def build(
    week: str | None = typer.Option(None, "--week", help="ISO week YYYY-Www (default: this one)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create or refresh the draft issue of a week from approved items."""
    from kil_feed.timeutil import iso_week, utcnow
    from newsletter.build import build_issue, issue_week, waiting_items

    st = state()
    now = utcnow()
    tz = st.settings.timezone
    week = issue_week(week, now, tz) if week else iso_week(now, tz)
    waiting = waiting_items(st.engine, st.settings, now=now, week=week)
    issue = build_issue(st.engine, st.settings, week, now=now)
    row = None
    if issue is not None:
        with read_session(st.engine) as session:
            count = issues_db.placement_counts(session=session).get(issue.id, 0)  # type: ignore[arg-type]
            counts = ledger.delivery_counts(issue.id, session=session)  # type: ignore[arg-type]
        row = _issue_row(issue, count, counts, issue.subject)  # just built: as stored
    if as_json:
        print_json({"week": week, "built": row is not None, "issue": row,
                    "waiting_items": waiting.as_json(now)})  # fmt: skip
        return
    summary = waiting.describe(now)
    if row is None:
        console.print(
            f"No approved items to send for {week}: no issue was built "
            f"({summary}; approve items with `kil items` or `kil review`, then build again).",
            markup=False,
        )
        return
    console.print(summary[:1].upper() + summary[1:] + ".", markup=False)
    items = f"{row['items']} item{'' if row['items'] == 1 else 's'}"
    success(f"issue {row['id']} for {row['week']} ({row['status']}): {items} — {row['subject']}")


@issue_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List issues, newest week first, with their delivery counts and subjects (a draft's
    as `kil issue show` gives it)."""
    from newsletter.subject import issue_subjects

    st = state()
    with read_session(st.engine) as session:
        issues = issues_db.list_issues(session=session)
        counts = issues_db.placement_counts(session=session)
        deliveries = ledger.all_delivery_counts(session=session)
        subjects = issue_subjects(issues, st.settings, session=session)
    rows = [
        _issue_row(i, counts.get(i.id, 0), deliveries.get(i.id, {}), subjects[i.id][0])  # type: ignore[arg-type,index]
        for i in issues
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        rows,
        ["id", "week", "status", "items", "sent", "pending", "failed", "subject"],
        empty="no issues yet: `kil issue build`",
    )


@issue_app.command("show")
def show(
    issue_id: int = typer.Argument(..., metavar="ID", click_type=ROW_ID),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show an issue: subject, intro, items by section (in the email's order), deliveries."""
    from newsletter.sections import section_order
    from newsletter.subject import issue_subject

    st = state()
    with read_session(st.engine) as session:
        issue = issues_db.get_issue(issue_id, session=session)
        subject = issue_subject(issue, st.settings, session=session)[0]  # as it would go out
        rows = issues_db.issue_items(issue_id, session=session)
        names = source_names(session=session)
        counts = ledger.delivery_counts(issue_id, session=session)
    items = [
        {
            "section": p.section,
            "position": p.position + 1,
            "pinned": p.pinned,
            "item_id": i.id,
            "kind": i.kind,
            **title_fields(i.title),
            "url": i.url,
            "source": names.get(i.source_id, ""),
            "featured": i.featured,
            "score": i.score,
        }
        for p, i in sorted(rows, key=lambda r: (section_order(r[0].section), r[0].position))
    ]
    data = _issue_row(issue, sum(r["section"] != "dropped" for r in items), counts, subject)
    data |= {"subject_set": issue.subject_set}
    data |= {"intro": plain_intro(issue.intro), "intro_raw": issue.intro}
    data |= {"deliveries": counts, "items_by_section": items}
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]Issue {issue.id}[/bold] · {issue.week} · {issue.status}")
    console.print(f"Subject: {subject}", markup=False)
    if intro := plain_text(issue.intro):
        console.print(f"Intro: {intro}", markup=False)
    if counts:
        console.print("Deliveries: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print_table(items, ["section", "position", "item_id", "pinned", "kind", "title", "source"])


@issue_app.command("edit")
def edit(
    issue_id: int = typer.Argument(..., metavar="ID", click_type=ROW_ID),
    subject: str | None = typer.Option(
        None, "--subject", help="New subject line (it stays, whatever the lead story does)."
    ),
    auto_subject: bool = typer.Option(
        False,
        "--auto-subject",
        help="Build the subject from the lead story again, instead of an editor's "
        "--subject: it follows the lead until the issue is sent.",
    ),
    intro: str | None = typer.Option(None, "--intro", help="Editor's introduction."),
    move: list[Any] | None = typer.Option(  # (ITEM, POS) pairs: Typer has no list of
        None,  # tuples of its own, click has
        "--move",
        metavar="ITEM POS",
        click_type=click.Tuple([ROW_ID, int]),
        help="Move an item to a position in its section (repeat for more, applied in order).",
    ),
    drop: list[int] | None = typer.Option(
        None,
        "--drop",
        metavar="ITEM",
        click_type=ROW_ID,
        help="Take an item out (repeat for more).",
    ),
    add: list[int] | None = typer.Option(
        None,
        "--add",
        metavar="ITEM",
        click_type=ROW_ID,
        help="Add an approved item (repeat for more).",
    ),
) -> None:
    """Change an issue's subject, intro or items (kept when the draft is rebuilt)."""
    from newsletter.edit import edit_issue

    # typer gives [] (or None) for a list option not given
    move, drop, add = move or None, drop or None, add or None
    if all(v is None for v in (subject, intro, move, drop, add)) and not auto_subject:
        raise ValidationError(
            "nothing to change",
            hint="give --subject, --auto-subject, --intro, --move, --drop or --add",
        )
    if subject is not None and auto_subject:
        raise ValidationError(
            "--subject and --auto-subject cannot be given together", hint="give one of them"
        )
    st = state()
    changes = edit_issue(
        st.engine, issue_id, subject=subject, intro=intro, move=move, drop=drop, add=add,
        settings=st.settings, auto_subject=auto_subject,
    )  # fmt: skip
    success(f"issue {issue_id}: " + "; ".join(changes))


@issue_app.command("approve")
def approve(issue_id: int = typer.Argument(..., metavar="ID", click_type=ROW_ID)) -> None:
    """Mark a draft ready to send, with the subject it has now (as `kil issue list` shows)."""
    from newsletter.edit import approve_issue

    st = state()
    issue = approve_issue(st.engine, issue_id, settings=st.settings)
    success(
        f"issue {issue.id} approved (subject: {issue.subject}): "
        f"send it with `kil issue send {issue.id}`"
    )


@issue_app.command("preview")
def preview(
    issue_id: int = typer.Argument(..., metavar="ID", click_type=ROW_ID),
    subscriber: str | None = typer.Option(
        None, "--subscriber", help="Render as this subscriber (default: the national view)."
    ),
    fmt: str = typer.Option("html", "--format", help="html, text or eml."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    open_: bool = typer.Option(False, "--open", help="Open the result in a browser / mail app."),
) -> None:
    """Render an issue as a subscriber would receive it."""
    from newsletter.preview import preview_issue

    st = state()
    data = preview_issue(st.engine, st.settings, issue_id, subscriber=subscriber, fmt=fmt)
    if out is None and open_:
        suffix = {"html": ".html", "text": ".txt", "eml": ".eml"}[fmt]
        out = Path(tempfile.mkstemp(prefix=f"kil-issue-{issue_id}-", suffix=suffix)[1])
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    write_file(out, data)
    success(f"wrote {out}")
    if open_:
        webbrowser.open(out.resolve().as_uri())


def parse_rate(value: str | None) -> float | None:
    """`10/s`, `600/m`, `36000/h` or a bare number (per second)."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*([smh]))?\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise ValidationError(f"invalid rate {value!r}", hint="use e.g. 10/s, 600/m or 36000/h")
    per = {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    return float(match.group(1)) / per


@issue_app.command("send")
def send(
    issue_id: int = typer.Argument(..., metavar="ID", click_type=ROW_ID),
    dry_run: bool = typer.Option(False, "--dry-run", help="Render everything, send nothing."),
    limit: int | None = typer.Option(
        None, "--limit", min=0, callback=at_most_count, help="Send at most N this run."
    ),
    rate: str | None = typer.Option(None, "--rate", help="At most this many, e.g. 10/s."),
    to: str | None = typer.Option(None, "--to", help="Send one test copy to this address only."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    outbox: bool = typer.Option(
        False, "--outbox", help="Write the email into the file outbox (outbox_dir), not SMTP."
    ),
) -> None:
    """Send an approved issue to confirmed subscribers (resumes an interrupted send)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from newsletter.send import check_test_address, send_issue
    from newsletter.sendlock import check_not_busy
    from newsletter.transport import check_transport, describe_transport

    if to is not None:
        check_test_address(to)  # before the first line says where it goes
    st = state()
    per_second = parse_rate(rate)
    settings = st.settings
    if outbox:  # an explicit choice: the outbox even when smtp_url names a relay
        settings = settings.model_copy(update={"smtp_url": "", "outbox_dir": settings.outbox_dir})
    if not dry_run:
        check_transport(settings)
        if to is None:  # another live sender: say who, before a line says we are sending
            with _busy_as_json(issue_id, as_json=as_json):
                check_not_busy(st.engine, issue_id)
            _say_joined(issue_id)
        line = None if as_json else _send_line(issue_id, to, describe_transport(settings))
        if line:
            typer.echo(line)  # one line, never wrapped: scripts read it
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        # piped, a bar is never drawn but still ends with a blank line on stdout
        disable=as_json or dry_run or to is not None or not console.is_terminal,
    )
    task = bar.add_task(f"sending issue {issue_id}", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar, _busy_as_json(issue_id, as_json=as_json):
        report = send_issue(
            st.engine,
            settings,
            issue_id,
            dry_run=dry_run,
            limit=limit,
            rate=per_second,
            to=to,
            progress=progress,
        )
    print_send_report(report, as_json=as_json)
    if report.exit_code:  # 7 paused, like every DeliveryError; 75 deferred; 67 some refused
        raise typer.Exit(report.exit_code)


def _say_joined(issue_id: int) -> None:
    """PostgreSQL: other live senders hold rows of the issue; this send joins them (the
    report's `other_senders`), which one line on stderr says before it waits for them."""
    engine = state().engine
    if engine.dialect.name != "postgresql":
        return
    from newsletter.report import joined_senders
    from newsletter.workers import live_senders

    with read_session(engine) as session:
        others = live_senders(issue_id, session=session)
    if others:
        warning_line(
            f"issue {issue_id} is already being sent by {joined_senders(others)}: this send "
            "joins it, sharing the rows left (it waits for theirs before it ends)"
        )


@contextlib.contextmanager
def _busy_as_json(issue_id: int, *, as_json: bool) -> Iterator[None]:
    """Another live sender of the issue: exit 5 (a conflict) with one line on stderr naming it, and
    with `--json` the same as data on stdout (`busy`, `sender`)."""
    from kil_feed.errors import BusyError

    try:
        yield
    except BusyError as exc:
        if not as_json:
            raise
        print_json({"issue_id": issue_id, "busy": True, "error": str(exc)} | exc.details)
        error_line(str(exc))
        raise typer.Exit(exc.exit_code) from None


def print_send_report(report: Any, *, as_json: bool) -> None:
    """A send's report: JSON for scripts, a sentence for people (ticked only when nothing
    was left deferred or refused); a pause's reason goes to stderr in one line."""
    if as_json:
        print_json(report.as_dict())
    elif (report.deferred or report.failed) and not report.paused:
        console.print(report.message, markup=False)
    elif not report.paused:
        success(report.message)
    if report.paused:
        error_line(report.message)


def _send_line(issue_id: int, to: str | None, transport: str) -> str | None:
    """The first line of a send: what goes where, before anything leaves (None when
    nothing will: a draft is refused, a sent issue has nobody left)."""
    from kil_feed.models import IssueStatus, SubscriberStatus
    from kil_feed.storage.deliveries import count_pending
    from kil_feed.storage.subscribers import status_counts

    if to is not None:
        return f"sending a test copy of issue {issue_id} to {to} {transport}"
    with read_session(state().engine) as session:
        status = issues_db.get_issue(issue_id, session=session).status
        if status == IssueStatus.approved.value:
            count = status_counts(session=session).get(SubscriberStatus.confirmed.value, 0)
        elif status == IssueStatus.sending.value:
            count = count_pending(issue_id, session=session)
        else:
            return None
    noun = "subscriber" if count == 1 else "subscribers"
    return f"sending issue {issue_id} to {count:,} {noun} {transport}"
