"""Helpers for editorial tests: sources and items created through `kil_feed.storage`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.db import read_session, write_session
from kil_feed.models import Item
from kil_feed.storage import items as item_store
from kil_feed.storage import sources as source_store
from kil_feed.timeutil import utcnow


def add_source(engine: Engine, name: str, **fields: Any) -> int:
    with write_session(engine) as s:
        fields.setdefault("url", f"https://{name.lower().replace(' ', '-')}.example.org/feed")
        source, _ = source_store.upsert_source(name, session=s, **fields)
        return source.id  # type: ignore[return-value]


def add_item(
    engine: Engine, source_id: int, title: str, *, age_hours: float = 1, **fields: Any
) -> int:
    """An item collected and published `age_hours` ago (newer items have smaller ages)."""
    when = utcnow() - timedelta(hours=age_hours)
    fields.setdefault("url", f"https://example.org/{abs(hash((source_id, title)))}")
    fields.setdefault("published_at", when)
    fields.setdefault("collected_at", when)
    with write_session(engine) as s:
        item = item_store.save_item(Item(source_id=source_id, title=title, **fields), session=s)
        return item.id  # type: ignore[return-value]


def get(engine: Engine, item_id: int) -> Item:
    with read_session(engine) as s:
        return item_store.get_item(item_id, session=s)
