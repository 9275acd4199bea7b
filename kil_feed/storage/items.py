"""Queries on items: get, filtered listing, and keeping the topic/region tag index in step."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from kil_feed.errors import NotFoundError
from kil_feed.models import Item, ItemTag, Source


def get_item(item_id: int, *, session: Session) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFoundError(f"no item with id {item_id}", hint="see `kil items list`")
    return item


def set_tags(item: Item, *, session: Session) -> None:
    """Mirror `item.topics` and `item.regions` into `item_tag` (call after every change)."""
    assert item.id is not None, "flush the item before tagging it"
    session.exec(delete(ItemTag).where(col(ItemTag.item_id) == item.id))
    seen: set[tuple[str, str]] = set()
    for kind, values in (("topic", item.topics), ("region", item.regions)):
        for value in values or []:
            if (kind, value) not in seen:
                seen.add((kind, value))
                session.add(ItemTag(item_id=item.id, kind=kind, value=value))


def save_item(item: Item, *, session: Session) -> Item:
    """Insert or update one item and its tag index."""
    session.add(item)
    session.flush()
    set_tags(item, session=session)
    return item


def tag_filter(kind: str, values: Iterable[str]) -> sa.ColumnElement[bool]:
    """A WHERE clause: the item carries any of `values` as a `kind` tag (topic/region)."""
    sub = select(ItemTag.item_id).where(ItemTag.kind == kind, col(ItemTag.value).in_(list(values)))
    return col(Item.id).in_(sub)


def list_items(
    *,
    session: Session,
    kind: str | None = None,
    status: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    topics: Sequence[str] = (),
    regions: Sequence[str] = (),
    limit: int | None = 100,
    offset: int = 0,
) -> Sequence[Item]:
    """Items newest first, filtered by any of the given fields."""
    query = select(Item)
    if kind:
        query = query.where(Item.kind == kind)
    if status:
        query = query.where(Item.status == status)
    if source:
        query = query.join(Source, col(Source.id) == col(Item.source_id)).where(
            Source.name == source
        )
    if since is not None:
        query = query.where(col(Item.collected_at) >= since)
    if topics:
        query = query.where(tag_filter("topic", topics))
    if regions:
        query = query.where(tag_filter("region", regions))
    query = query.order_by(
        sa.func.coalesce(col(Item.published_at), col(Item.collected_at)).desc(), col(Item.id).desc()
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return session.exec(query).all()


def source_names(*, session: Session) -> dict[int, str]:
    """Map of source id to name (for displaying items)."""
    return {s.id: s.name for s in session.exec(select(Source)).all() if s.id is not None}
