"""One batch of crawled items into the database, the same for a local crawl and a worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from crawler.records import CrawledItem
from kil_feed.storage import notices
from kil_feed.storage.buyers import link_rows
from kil_feed.storage.items import upsert_items


def store_crawled(
    rows: Sequence[CrawledItem],
    *,
    session: Session,
    decide: Callable[[Any], tuple[str, str | None, str | None]],
) -> list[tuple[int, str]]:
    """(source id, outcome) per stored row: notices join their buyer and fold onto what is
    stored of them, the rest are upserted ('new', 'updated' or 'unchanged')."""
    if not rows:
        return []
    link_rows(rows, session=session)  # type: ignore[arg-type]
    plain, updates = notices.merge_notice_rows(rows, session=session)  # type: ignore[arg-type]
    counted: list[tuple[int, str]] = []
    if plain:
        outcomes = upsert_items(plain, session=session, decide=decide)
        counted += zip((r["source_id"] for r in plain), outcomes, strict=True)
    if updates:
        outcomes = notices.apply_notice_updates(updates, session=session)
        counted += zip((sid for sid, _ in updates), outcomes, strict=True)
    return counted
