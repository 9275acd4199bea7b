"""Editorial queries and writes: selecting items, clusters, decisions, edits and undo.

Every editor decision goes through `apply_action` (status, featured, reason, reviewed_at
in one place) so the CLI commands and the review queue behave the same; `snapshot` and
`restore` give the review queue its undo.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.errors import NotFoundError, ValidationError
from kil_feed.models import Item, ItemStatus, Source
from kil_feed.storage.bulk import chunks
from kil_feed.storage.edits import EDITABLE_FIELDS, EDITED_KEY
from kil_feed.storage.items import list_items, save_item
from kil_feed.storage.sources import get_source
from kil_feed.timeutil import utcnow

ACTIONS = ("approve", "reject", "feature", "unfeature", "reset")
SNAPSHOT_FIELDS = (
    "status",
    "featured",
    "reject_reason",
    "reviewed_at",
    "rule",
    "title",
    "summary",
    "topics",
    "regions",
    "editor_notes",
)


@dataclass(frozen=True)
class ItemFilter:
    """Which items a bulk command acts on (all given conditions hold)."""

    kind: str | None = None
    status: str | None = None
    source: str | None = None
    since: datetime | None = None
    topics: Sequence[str] = ()
    regions: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.kind or self.status or self.source or self.since or self.topics or self.regions
        )


def items_by_ids(ids: Iterable[int], *, session: Session) -> list[Item]:
    """The items with these ids, in the order given; NotFoundError names every missing id."""
    wanted = list(dict.fromkeys(ids))
    found: dict[int | None, Item] = {}
    for chunk in chunks(wanted, 500):  # bounded IN lists for large bulk actions
        found.update((i.id, i) for i in session.exec(select(Item).where(col(Item.id).in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        ids_s = ", ".join(str(i) for i in missing)
        raise NotFoundError(
            f"no item with id {ids_s}" if len(missing) == 1 else f"no items with ids {ids_s}",
            hint="see `kil items list`",
        )
    return [found[i] for i in wanted]


def select_items(flt: ItemFilter, *, session: Session) -> list[Item]:
    """Every item matching the filter, newest first."""
    if flt.source:
        get_source(flt.source, session=session)  # an unknown name is an error, not "no items"
    return list(
        list_items(
            session=session,
            kind=flt.kind,
            status=flt.status,
            source=flt.source,
            since=flt.since,
            topics=flt.topics,
            regions=flt.regions,
            limit=None,
        )
    )


def cluster_members(cluster_ids: Iterable[int], *, session: Session) -> list[Item]:
    """Every item in the given clusters."""
    ids = list({c for c in cluster_ids if c is not None})
    if not ids:
        return []
    return list(
        session.exec(select(Item).where(col(Item.cluster_id).in_(ids)).order_by(col(Item.id))).all()
    )


def cluster_extras(items: Sequence[Item], *, session: Session) -> list[Item]:
    """Items that share a cluster with `items` but are not among them."""
    chosen = {i.id for i in items}
    members = cluster_members((i.cluster_id for i in items if i.cluster_id), session=session)
    return [m for m in members if m.id not in chosen]


def other_sources_count(item: Item, *, session: Session) -> int:
    """How many other sources carry the same story (items in the same cluster)."""
    if item.cluster_id is None:
        return 0
    count = session.exec(
        select(sa.func.count(sa.distinct(Item.source_id))).where(
            Item.cluster_id == item.cluster_id, Item.source_id != item.source_id
        )
    ).one()
    return int(count)


def snapshot(item: Item) -> dict[str, Any]:
    """The editable state of an item, to restore on undo (with the fields an editor had
    edited by then: an undone edit is no longer kept from re-crawls)."""
    data = {name: getattr(item, name) for name in SNAPSHOT_FIELDS}
    data["topics"] = list(item.topics or [])
    data["regions"] = list(item.regions or [])
    data[EDITED_KEY] = list((item.extra or {}).get(EDITED_KEY) or [])
    return data


def restore(item_id: int, state: dict[str, Any], *, session: Session) -> Item:
    """Put an item back as `snapshot` saw it; the rest of `extra` (a notice's releases,
    what a crawl has stored since) stays as it is now."""
    item = session.get(Item, item_id)
    if item is None:
        raise NotFoundError(f"no item with id {item_id}")
    state = dict(state)
    edited = state.pop(EDITED_KEY, None)
    for name, value in state.items():
        setattr(item, name, value)
    if edited is not None:
        extra = {k: v for k, v in (item.extra or {}).items() if k != EDITED_KEY}
        item.extra = {**extra, EDITED_KEY: edited} if edited else extra
    item.updated_at = utcnow()
    return save_item(item, session=session)


def apply_action(item: Item, action: str, *, session: Session, reason: str | None = None) -> Item:
    """One editor decision on one item; the decision replaces what a rule decided."""
    now = utcnow()
    if action == "approve":
        item.status = ItemStatus.approved.value
        item.reject_reason = None
    elif action == "reject":
        item.status = ItemStatus.rejected.value
        item.reject_reason = reason or None
        item.featured = False
    elif action == "feature":
        item.status = ItemStatus.approved.value
        item.reject_reason = None
        item.featured = True
    elif action == "unfeature":
        item.featured = False
    elif action == "reset":
        item.status = ItemStatus.pending.value
        item.featured = False
        item.reject_reason = None
        item.reviewed_at = None
        item.rule = None
    else:
        raise ValidationError(f"unknown action {action!r}", hint=", ".join(ACTIONS))
    if action in ("approve", "reject", "feature"):
        item.reviewed_at = now
        item.rule = None
    item.updated_at = now
    session.add(item)  # flushed with the transaction: bulk actions stay one round of UPDATEs
    return item


def edit_item(
    item: Item,
    *,
    session: Session,
    title: str | None = None,
    summary: str | None = None,
    topics: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    notes: str | None = None,
) -> bool:
    """Change an item's text or tags (tag index kept in step); True if anything changed."""
    before = snapshot(item)
    if title is not None:
        if not title.strip():
            raise ValidationError("the title cannot be empty")
        item.title = title.strip()
    if summary is not None:
        item.summary = summary.strip()
    if topics is not None:
        item.topics = list(topics)
    if regions is not None:
        item.regions = list(regions)
    if notes is not None:
        item.editor_notes = notes.strip() or None
    after = snapshot(item)
    if after == before:
        return False
    edited = {f for f in EDITABLE_FIELDS if after[f] != before[f]}
    if edited:  # what a re-crawl and `kil items reclassify` leave as the editor made it
        marked = set((item.extra or {}).get(EDITED_KEY) or [])
        item.extra = {**(item.extra or {}), EDITED_KEY: sorted(marked | edited)}
    item.updated_at = utcnow()
    save_item(item, session=session)
    return True


def pending_queue(flt: ItemFilter, *, session: Session) -> list[int]:
    """Ids of the pending items to review, newest first."""
    return [i.id for i in select_items(flt, session=session) if i.id is not None]


def editor_rejections(*, session: Session) -> list[tuple[str, str, str | None]]:
    """(source name, title, reason) of items an editor rejected (not a rule)."""
    rows = session.exec(
        select(Source.name, Item.title, Item.reject_reason)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(Item.status == ItemStatus.rejected.value, col(Item.rule).is_(None))
    ).all()
    return [(name, title, reason) for name, title, reason in rows]


def approved_titles(*, session: Session) -> list[tuple[str, str]]:
    """(source name, title) of approved items: what a proposed block rule must not hit."""
    rows = session.exec(
        select(Source.name, Item.title)
        .join(Source, col(Source.id) == col(Item.source_id))
        .where(Item.status == ItemStatus.approved.value)
    ).all()
    return [(name, title) for name, title in rows]
