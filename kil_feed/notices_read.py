"""What a notices source's answer held, in words, for `kil sources check`: what it was read
as and along which next links, how many releases and notices, what the source's filters
kept and left out, and the problem of an empty package (a crawl takes one as a quiet
window; an editor checking a source needs to know nothing was there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crawler.ocds.records import NoticesRead
from kil_feed.money import amount
from kil_feed.text import counted
from kil_feed.timeutil import human_time


def empty_answer(read: NoticesRead | None, tz: str | None = None) -> str | None:
    """The problem of an answer that was OCDS but held no release, with the window asked
    for when the API was asked for one (ISO UTC, as `--json` has it; for people, `tz`
    given, in that zone); None otherwise."""
    if not read or not read["pages"] or read["releases"] or read["records"]:
        return None
    label = read["read_as"]
    if label.startswith("OCDS"):
        label = f"an empty {label}"
    elif not label.startswith("an empty"):
        label = f"empty {label}"
    window = read["window"]
    if not window:
        return f"{label}: no releases"
    if tz is None:
        return f"{label}: no releases from {window[0]} to {window[1]} (the window asked for)"
    return f"{label}: no releases {_span(*window, tz)} ({tz}, the window asked for)"


def problem_line(result: dict[str, Any], *, tz: str) -> str | None:
    """A check's `problem` for people: an empty package's window in the editor's zone
    (`--json` keeps the problem as it is, its window in ISO UTC)."""
    problem = result.get("problem")
    if problem and problem == empty_answer(result.get("read")):
        return empty_answer(result["read"], tz)
    return problem


def _span(start: str, end: str, tz: str) -> str:
    """`from 20 Nov 2026 08:14 to today 08:14`: a window's ISO UTC ends as people read
    them in `tz`."""
    first, last = (human_time(datetime.fromisoformat(t), tz=tz) for t in (start, end))
    return f"from {first} to {last}"


def window_line(window: dict[str, Any] | None, *, tz: str) -> str:
    """The window a check asked, in the editor's zone (`check_source`'s `window`), or that
    a package URL is read as it is."""
    if not window:
        return "asked: the package URL as given (no date window)"
    days = counted(window["days"], "day")
    span = _span(window["from"], window["to"], tz)
    return f"asked: the last {days}, {span} ({tz}), not the source's checkpoint"


def read_lines(read: NoticesRead, options: dict[str, Any], *, failed: bool) -> list[str]:
    """The check's lines on the answer (`failed`: the check's fetch failed, when nothing
    but what the answer was is worth saying unless a page before gave releases)."""
    pages = read["pages"]
    types = ", ".join(dict.fromkeys((p["content_type"] or "no type").split(";")[0]
                                    for p in pages))  # fmt: skip
    lines = [f"read as: {read['read_as']} ({types}), {_paging(read)}"]
    if failed and not (read["releases"] or read["records"]):
        return lines
    held = [counted(read["records"], "record")] if read["records"] else []
    held += [counted(read["releases"], "release"), counted(read["notices"], "notice")]
    lines.append("read: " + ", ".join(held))
    kept = f"kept by the source's filters: {read['kept']} of {counted(read['notices'], 'notice')}"
    lines.append(kept + ("" if read["left_out"] else " (the source has no filters)"))
    if read["left_out"]:
        lines.append("left out: " + ", ".join(
            f"{n} by {name} ({_option(name, options.get(name))})"
            for name, n in read["left_out"].items()
        ))  # fmt: skip
    return lines


def _paging(read: NoticesRead) -> str:
    pages = read["pages"]
    said = counted(len(pages), "page")
    last_next = pages[-1]["next"]
    if last_next:  # the last page read had a next link: max_pages, or a page failed
        return f"{said}; next link not read: {last_next}"
    if len(pages) == 1:
        return f"{said} (no next link)"
    return f"{said} along links.next from {pages[0]['next']}"


def _option(name: str, value: Any) -> str:
    if name == "min_value":
        return amount(float(value))
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
