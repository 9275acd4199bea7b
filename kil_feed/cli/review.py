"""`kil review`: the interactive queue of pending items, newest first, one at a time.

Single keys in a terminal (no Enter needed); with piped stdin one key per line, so scripts
and tests drive the same loop. Every decision is written in its own transaction the moment
it is made, so quitting, Ctrl-C or a crash loses nothing; `u` undoes the last action of the
session (including a skip: it goes back to that item).
"""

from __future__ import annotations

import logging
import os
import sys
import webbrowser
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import click
import typer

from kil_feed.cli.context import state
from kil_feed.cli.curation import save_changes
from kil_feed.cli.editform import edit_in_editor
from kil_feed.cli.itemview import item_card
from kil_feed.cli.output import console, error_line
from kil_feed.cli.selection import SINCE_HELP, ask_line, ask_yes_no, interactive, make_filter
from kil_feed.db import read_session, write_session
from kil_feed.errors import KilError
from kil_feed.models import Item, ItemStatus
from kil_feed.storage import curation
from kil_feed.storage.items import source_titles

logger = logging.getLogger(__name__)

KEYS = {
    "a": "approve",
    "r": "reject",
    "f": "feature",
    "e": "edit",
    "o": "open",
    "s": "skip",
    "n": "skip",
    " ": "skip",
    "u": "undo",
    "q": "quit",
    "?": "help",
    "h": "help",
}
PROMPT = (
    "[bold]a[/]pprove  [bold]r[/]eject  [bold]f[/]eature  [bold]e[/]dit  [bold]o[/]pen  "
    "[bold]s[/]kip  [bold]u[/]ndo  [bold]q[/]uit  [bold]?[/] > "
)
HELP = """\
a  approve          r  reject (asks a reason)   f  feature (and approve)
e  edit in $EDITOR  o  open in the browser      s  skip (also n or space)
u  undo the last action                         q  quit (decisions are already saved)"""
DONE = {"approve": "approved", "reject": "rejected", "feature": "featured"}


@dataclass
class Step:
    """One entry of the undo history: where in the queue, and the items' states before."""

    action: str
    index: int
    before: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_key() -> str | None:
    """The next key: one keypress in a terminal, the first character of a line otherwise;
    None at end of input or on Ctrl-C / Ctrl-D."""
    if interactive():
        try:
            key = _getkey()
        except (KeyboardInterrupt, EOFError):
            return None
        if key in ("\x03", "\x04", ""):  # Ctrl-C, Ctrl-D, closed terminal
            return None
        console.print(key if key.isprintable() else "")
        return key.lower() if key.isprintable() else key
    line = sys.stdin.readline()
    if not line:
        return None
    stripped = line.rstrip("\r\n")
    console.print(stripped, markup=False)  # echo, so a transcript reads like a session
    return stripped[:1].lower() if stripped.strip() else stripped[:1]


def _getkey() -> str:
    """One keypress from the terminal. Raw mode is entered without flushing (unlike
    `click.getchar`), so a key typed while the card was still printing is not lost."""
    try:
        import termios
        import tty
    except ImportError:  # not a POSIX terminal
        return click.getchar()
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        data = os.read(fd, 32)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
    text = data.decode(errors="replace")
    return text[:1] if text[:1] != "\x1b" else text  # escape sequences (arrows) stay whole


class ReviewSession:
    """The queue, the history and the tallies of one `kil review`."""

    def __init__(self, ids: list[int]) -> None:
        self.engine = state().engine
        self.tz = state().settings.timezone
        self.queue = ids
        self.index = 0
        self.history: list[Step] = []
        self.tally: Counter[str] = Counter()

    def run(self) -> None:
        """Show items until the queue ends or the editor quits (Ctrl-C included)."""
        try:
            self.loop()
        except (KeyboardInterrupt, click.Abort):
            console.print("\n[dim]stopped; every decision so far is saved[/dim]")
        self.summary()

    def loop(self) -> None:
        total = len(self.queue)
        while self.index < total:
            with read_session(self.engine) as session:
                item = session.get(Item, self.queue[self.index])
                if item is None or item.status != ItemStatus.pending.value:
                    self.index += 1  # decided meanwhile (elsewhere or with its cluster)
                    continue
                names = source_titles(session=session)
                others = curation.other_sources_count(item, session=session)
            console.print()
            console.print(
                item_card(
                    item,
                    names.get(item.source_id, "?"),
                    others,
                    f"{self.index + 1}/{total}",
                    self.tz,
                )
            )
            if not self.handle(item, names.get(item.source_id, "?")):
                break

    def handle(self, item: Item, source_name: str) -> bool:
        """React to one key; False ends the session."""
        while True:
            console.print(PROMPT, end="")
            key = read_key()
            if key is None:
                return False
            action = KEYS.get(key)
            if action == "quit":
                return False
            if action == "help" or action is None:
                console.print(HELP)
                continue
            try:
                return self.do(action, item, source_name)
            except KilError as exc:
                error_line(str(exc))
                return True

    def do(self, action: str, item: Item, source_name: str) -> bool:
        assert item.id is not None
        if action == "skip":
            self.history.append(Step("skip", self.index))
            self.tally["skipped"] += 1
            self.index += 1
        elif action == "undo":
            self.undo()
        elif action == "open":
            opened = webbrowser.open(item.url)
            shown = f"opened {item.url}" if opened else f"no browser; the link: {item.url}"
            console.print(shown, markup=False)
        elif action == "edit":
            changes = edit_in_editor(item, source_name)
            if changes is None:
                console.print("[dim]unchanged[/dim]")
            else:
                before = curation.snapshot(item)
                if save_changes(item.id, changes):
                    self.history.append(Step("edit", self.index, [(item.id, before)]))
                    console.print("[green]saved[/green]")
        else:
            self.decide(action, item)
        return True

    def decide(self, action: str, item: Item) -> None:
        reason = None
        if action == "reject":
            reason = ask_line("Reason (optional)") or None
        with read_session(self.engine) as session:
            siblings = [
                i
                for i in curation.cluster_extras([item], session=session)
                if i.status == ItemStatus.pending.value
            ]
        ids = [item.id]
        if siblings and ask_yes_no(
            f"also {action} the {len(siblings)} other pending item(s) of this story?",
            default=True,
        ):
            ids += [s.id for s in siblings]
        step = Step(action, self.index)
        with write_session(self.engine) as session:
            for target in curation.items_by_ids(ids, session=session):
                step.before.append((target.id, curation.snapshot(target)))
                curation.apply_action(target, action, session=session, reason=reason)
        self.history.append(step)
        self.tally[DONE[action]] += len(ids)
        extra = f" (+{len(ids) - 1} in its cluster)" if len(ids) > 1 else ""
        console.print(f"[green]{DONE[action]}[/green] #{item.id}{extra}")
        logger.info("review %s ids=%s", action, ids)
        self.index += 1

    def undo(self) -> None:
        if not self.history:
            console.print("[dim]nothing to undo[/dim]")
            return
        step = self.history.pop()
        if step.before:
            from newsletter.subject import decide_subjects_with, refresh_subjects_with

            settings = state().settings
            with write_session(self.engine) as session:
                for item_id, before in step.before:
                    edit = step.action == "edit"  # its old title may lead an issue again
                    if edit:
                        decide_subjects_with(item_id, settings, session=session)
                    curation.restore(item_id, before, session=session)
                    if edit:
                        refresh_subjects_with(item_id, settings, session=session)
        if step.action in DONE:
            self.tally[DONE[step.action]] -= len(step.before)
        elif step.action == "skip":
            self.tally["skipped"] -= 1
        self.index = step.index
        console.print(f"[yellow]undone[/yellow]: {step.action}")

    def summary(self) -> None:
        with read_session(self.engine) as session:
            left = sum(
                1
                for i in self.queue
                if (it := session.get(Item, i)) and it.status == ItemStatus.pending.value
            )
        parts = [f"{name} {self.tally[name]}" for name in ("approved", "rejected", "featured")]
        parts.append(f"skipped {self.tally['skipped']}")
        console.print(f"\n{', '.join(parts)}; {left} still pending")


def review(
    kind: str | None = typer.Option(None, "--kind", help="Only news, job or notice items."),
    source: str | None = typer.Option(None, "--source", help="Only items from this source."),
    since: str | None = typer.Option(None, "--since", help=SINCE_HELP),
    topic: list[str] | None = typer.Option(None, "--topic", help="Only items with this topic."),
    region: list[str] | None = typer.Option(None, "--region", help="Only items in this region."),
) -> None:
    """Review pending items one at a time, newest first (single keys; ? for help)."""
    st = state()
    flt = make_filter(
        kind=kind,
        status=ItemStatus.pending.value,
        source=source,
        since=since,
        topics=topic,
        regions=region,
        tz=st.settings.timezone,
    )
    with read_session(st.engine) as session:
        ids = curation.pending_queue(flt, session=session)
    if not ids:
        console.print("nothing to review: no pending items")
        return
    console.print(f"{len(ids)} pending item(s); ? for help")
    ReviewSession(ids).run()


def register(app: typer.Typer) -> None:
    app.command("review")(review)
