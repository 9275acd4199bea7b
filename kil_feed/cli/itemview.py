"""How an item looks: its JSON for scripts and its card for the review queue.

The JSON is the shared `kil_feed.serialize.item_to_dict` with the editorial fields and the
title and summary as stored; the card shows them as plain text, as the email does.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from kil_feed.models import Item
from kil_feed.money import pay_range
from kil_feed.regions import regions_label
from kil_feed.serialize import item_to_dict
from kil_feed.text import plain_text, plain_title
from kil_feed.timeutil import day_label, human_time

JOB_FIELDS = ("employer", "location", "contract_type", "ir35")
ESTIMATED = "date estimated: collection time"


def item_json(item: Item, source_name: str) -> dict[str, Any]:
    """The item as JSON: the shared serializer plus the editorial decision."""
    return item_to_dict(item, source_name, editorial=True, raw=True)


def pay_text(item: Item) -> str | None:
    """`£550–£650 per day`, or None."""
    return pay_range(item.pay_min, item.pay_max, item.pay_period, item.pay_currency)


def item_card(
    item: Item, source_name: str, others: int, position: str = "", tz: str = "Europe/London"
) -> Panel:
    """The review queue's view of one item (times in the configured time zone)."""
    when = human_time(item.published_at or item.collected_at, tz=tz)
    lines = Text()
    lines.append(f"{source_name}", style="bold cyan")
    lines.append(f"  ·  {when}")
    if item.date_estimated:
        lines.append(f" ({ESTIMATED})", style="yellow")
    lines.append(f"  ·  {item.kind}  ·  #{item.id}\n")
    if summary := plain_text(item.summary):
        lines.append(f"\n{summary}\n")
    lines.append("\n")
    lines.append("topics: ", style="dim")
    lines.append(", ".join(item.topics or []) or "-")
    lines.append("   regions: ", style="dim")
    lines.append(regions_label(item.regions) or "-")
    if item.kind == "job":
        terms = [str(getattr(item, f)) for f in JOB_FIELDS if getattr(item, f)]
        pay = pay_text(item)
        if pay:
            terms.append(pay)
        if item.closes_at:
            terms.append(f"closes {day_label(item.closes_at, tz)}")
        lines.append("\njob: ", style="dim")
        lines.append(" · ".join(terms) or "-")
    if others:
        plural = "source carries" if others == 1 else "sources carry"
        lines.append(f"\n{others} other {plural} this story", style="yellow")
    lines.append(f"\n{item.url}", style="dim underline")
    title = f"[bold]{escape(plain_title(item.title))}[/bold]"
    return Panel(lines, title=title, title_align="left", subtitle=position or None)
