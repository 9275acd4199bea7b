"""Section names and the ranking shared by the build and the editor commands.

A placement's `section` is `top`, `news:<topic>`, `jobs`, `notices`, `signals` or `dropped` (an item
the editor took out: kept so a rebuild does not bring it back). `position` is the index
within the section.
"""

from __future__ import annotations

from datetime import datetime

from kil_feed.models import Item, ItemKind
from kil_feed.timeutil import as_utc

TOP = "top"
JOBS = "jobs"
NOTICES = "notices"
SIGNALS = "signals"  # awards, contract changes, terminations: see kil_feed.storage.buyers
SIGNAL_STAGES = ("award", "contract", "amendment", "termination")
DROPPED = "dropped"
NEWS_PREFIX = "news:"
GENERAL_TOPIC = "general"


def news_section(item: Item) -> str:
    """The topic section of a news item: its first topic, or `general`."""
    topic = next((t for t in item.topics or [] if t), GENERAL_TOPIC)
    return f"{NEWS_PREFIX}{topic}"[:40]


def home_section(item: Item) -> str:
    """Where an item goes when it is not a top story."""
    if item.kind == ItemKind.job.value:
        return JOBS
    if item.kind == ItemKind.notice.value:
        return notice_section(item)
    return news_section(item)


def notice_section(item: Item) -> str:
    """`signals` for an award, change or termination, else `notices` (open tenders ...)."""
    stage = ((item.extra or {}).get("notice") or {}).get("stage")
    return SIGNALS if stage in SIGNAL_STAGES else NOTICES


def item_date(item: Item) -> datetime:
    return as_utc(item.published_at or item.collected_at)  # type: ignore[return-value]


def rank_key(item: Item) -> tuple[bool, bool, float, float, int]:
    """Featured first, then items with a real date (an estimated one is only the collection
    time, so it cannot claim to be news), then higher score, then newer, then id (stable)."""
    return (
        not item.featured,
        bool(item.date_estimated),
        -float(item.score or 0.0),
        -item_date(item).timestamp(),
        item.id or 0,
    )


def section_order(section: str, label: str = "") -> tuple[int, str, str]:
    """Where a section comes in the email: top stories, news by topic (by label), jobs,
    notices, anything else, and the editor's drops last (`kil issue show` uses it too)."""
    rank = {TOP: 0, JOBS: 2, NOTICES: 3, DROPPED: 9}.get(section)
    if rank is None:
        rank = 1 if section.startswith(NEWS_PREFIX) else 4
    return (rank, label or topic_label(section), section)


def topic_label(section: str) -> str:
    """`news:social-value` -> `Social value` (the bundled topic list's label)."""
    from kil_feed.topics import topic_catalog

    return topic_catalog().label(section.removeprefix(NEWS_PREFIX))
