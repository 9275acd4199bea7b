"""What an editor edited stays as the editor made it when a re-crawl updates the item.

`kil items edit` records the fields it changed in `extra["edited"]`
(`kil_feed.storage.curation.edit_item`; edits made before that was recorded were marked by
migration 0021). A crawl whose content changed updates the item in place; `keep_edits`
puts the stored value back into the update for every field so marked, so the editor's
title, summary, topics or regions survive, while the fields the editor did not touch (and
`content_hash`, which says what the crawl last read) still move on. Status, featured,
reasons and notes are never among what a crawl writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from kil_feed.models import Item
from kil_feed.storage.bulk import chunks

# the fields an editor may rewrite, recorded in `extra["edited"]` once edited
EDITABLE_FIELDS = ("title", "summary", "topics", "regions")
EDITED_KEY = "edited"

_COLUMNS = {name: col(getattr(Item, name)) for name in EDITABLE_FIELDS}


def keep_edits(updates: Sequence[dict[str, Any]], *, session: Session) -> None:
    """Rewrite each update ({"id": ..., crawled values}) in place so the fields its item's
    editor edited keep their stored values, and an update that replaces `extra` keeps the
    record of them. One query per 1000 updates (only items whose content changed)."""
    marked: dict[int, tuple[list[str], dict[str, Any]]] = {}
    query = sa.select(col(Item.id), col(Item.extra)[EDITED_KEY], *_COLUMNS.values())
    for chunk in chunks(sorted({u["id"] for u in updates}), 1000):
        for item_id, edited, *values in session.execute(query.where(col(Item.id).in_(chunk))):
            if isinstance(edited, list) and edited:
                marked[item_id] = (edited, dict(zip(_COLUMNS, values, strict=True)))
    for update in updates:
        if update["id"] not in marked:
            continue
        edited, stored = marked[update["id"]]
        for name in set(edited) & stored.keys() & update.keys():
            # written back rather than left out: the tag index is rebuilt from an update's
            # topics and regions together
            update[name] = stored[name]
        if isinstance(update.get("extra"), dict):
            update["extra"] = {**update["extra"], EDITED_KEY: edited}
