"""Procurement notices in storage: one item per ocid, moved on as its releases arrive.

A crawl yields, per ocid and page, what that page's releases compile to. Before the batch
is upserted, `merge_notice_rows` folds rows of the same procurement together and onto the
stored item: the stored compiled release plus the new one go through ocdsmerge again, the
history gains the new releases, and the item's columns are re-read from the result. The
item is then updated in place (its `extra` too), never duplicated. Checkpoints of notices
sources are written here as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crawler.dedupe_keys import item_keys
from crawler.ocds import compile_releases, notice_fields
from crawler.ocds.item import notice_item, url_with_ocid
from kil_feed.models import Item, Source
from kil_feed.storage.bulk import chunks

# the columns a later release may change (url and guid identify the item: they stay), with
# the keys that match copies elsewhere, re-read from the merged title and text
_MOVED_FIELDS = ("title", "summary", "body_html", "published_at", "employer", "location",
                 "closes_at", "regions", "topics", "buyer_key",
                 "title_key", "fingerprint")  # fmt: skip


def merge_notice_rows(
    rows: Sequence[dict[str, Any]], *, session: Session
) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    """(rows for `upsert_items`, (source id, update) of stored notices) for one batch.

    Rows that are not notices pass through untouched. A notice whose ocid is stored for
    its source becomes an update ({id, fields..., extra}); the others are folded per ocid
    and passed on as new rows.
    """
    others = [r for r in rows if r.get("kind") != "notice" or not r.get("guid")]
    folded: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        if row.get("kind") == "notice" and row.get("guid"):
            key = (row["source_id"], row["guid"])
            folded[key] = _fold(folded[key], row) if key in folded else dict(row)
    stored = _stored_notices(list(folded), session=session)
    updates: list[tuple[int, dict[str, Any]]] = []
    moving: list[tuple[tuple[int, str], int]] = []  # stored notices with new releases
    for key, row in folded.items():
        existing = stored.get(key)
        if existing is None:
            others.append(row)
            continue
        item_id, stored_ids = existing
        if {e["id"] for e in row["extra"].get("history") or []} <= stored_ids:
            updates.append((key[0], {"id": item_id, "_unchanged": True}))  # merged already
            continue
        moving.append((key, item_id))
    extras = _stored_extras([item_id for _, item_id in moving], session=session)
    for key, item_id in moving:
        row = folded[key]
        merged = _fold({**row, "extra": extras[item_id]}, row, keep_columns=False)
        values = {f: merged.get(f) for f in _MOVED_FIELDS}
        values.update(id=item_id, extra=merged["extra"], content_hash=merged["content_hash"])
        updates.append((key[0], values))
    _unique_urls([r for r in others if r.get("kind") == "notice"], session=session)
    return others, updates


def _unique_urls(rows: list[dict[str, Any]], *, session: Session) -> None:
    """A new procurement whose notice page URL another one of its source already has (a
    reused page, a republished notice) gets that URL with its ocid, so the URL key never
    joins two procurements."""
    taken: set[tuple[int, str]] = set()
    by_source: dict[int, set[str]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], set()).add(row["url"])
    for sid, urls in by_source.items():
        for chunk in chunks(sorted(urls)):
            query = sa.select(col(Item.url)).where(Item.source_id == sid, col(Item.url).in_(chunk))
            taken.update((sid, url) for (url,) in session.execute(query))
    for row in rows:
        key = (row["source_id"], row["url"])
        if key in taken:
            row["url"] = url_with_ocid(row["url"], row["guid"])
        taken.add((row["source_id"], row["url"]))


def apply_notice_updates(
    updates: list[tuple[int, dict[str, Any]]], *, session: Session
) -> list[str]:
    """Write the updates of `merge_notice_rows`; 'updated' or 'unchanged' per update."""
    from kil_feed.storage.edits import keep_edits
    from kil_feed.storage.items import replace_tags
    from kil_feed.timeutil import utcnow

    changed = [u for _, u in updates if not u.get("_unchanged")]
    now = utcnow()
    for row in changed:
        row["updated_at"] = now
    if changed:
        keep_edits(changed, session=session)  # an editor's title, summary, tags stay
        session.execute(sa.update(Item), changed)
        replace_tags(changed, session=session)
    return ["unchanged" if u.get("_unchanged") else "updated" for _, u in updates]


def _fold(
    old: Mapping[str, Any], new: Mapping[str, Any], *, keep_columns: bool = True
) -> dict[str, Any]:
    """`new`'s releases merged onto `old`'s compiled release; columns re-read from it."""
    old_extra, new_extra = dict(old.get("extra") or {}), dict(new.get("extra") or {})
    first, second = (old_extra, new_extra)
    if str(_date(old_extra)) > str(_date(new_extra)):
        first, second = new_extra, old_extra  # merge in date order, whichever came first
    compiled = compile_releases([second["compiled"]], previous=first.get("compiled"))
    entries = {e["id"]: e for e in (first.get("history") or []) + (second.get("history") or [])}
    history = sorted(entries.values(), key=lambda e: (str(e.get("date") or ""), e["id"]))
    fields = notice_fields(compiled, history)
    item = notice_item(fields, compiled, history, fallback_url=str(new.get("url")))
    merged = dict(new)
    merged.update(
        title=item["title"],
        summary=item["summary"],
        body_html=item["body_html"],
        published_at=item["published"] or new.get("published_at"),
        employer=item["employer"],
        location=item["location"],
        closes_at=item["closes_at"],
        extra=item["extra"],
    )
    region = fields["region"]
    if region:
        merged["regions"] = list(dict.fromkeys([region, *(new.get("regions") or [])]))
    topics = list(dict.fromkeys([*(old.get("topics") or []), *(new.get("topics") or [])]))
    merged["topics"] = topics
    if keep_columns:  # two rows of one crawl: the first one's URL identifies the item
        merged["url"] = old.get("url") or new.get("url")
    merged.update(item_keys(merged))  # the merged title's key, not the first release's
    return merged


def _date(extra: Mapping[str, Any]) -> str:
    compiled = extra.get("compiled") or {}
    return str(compiled.get("date") or "")


def _stored_notices(
    keys: list[tuple[int, str]], *, session: Session
) -> dict[tuple[int, str], tuple[int, set[str]]]:
    """(source_id, ocid) -> (item id, ids of its releases) of the notices already stored.

    Only `extra -> history` is read: a re-crawl (the window's overlap, a resumed window)
    mostly finds releases merged already, and those need no compiled release at all.
    """
    found: dict[tuple[int, str], tuple[int, set[str]]] = {}
    by_source: dict[int, list[str]] = {}
    for sid, guid in keys:
        by_source.setdefault(sid, []).append(guid)
    history = col(Item.extra)["history"]
    for sid, guids in by_source.items():
        for chunk in chunks(sorted(guids)):
            query = sa.select(col(Item.id), col(Item.guid), history).where(
                Item.source_id == sid, Item.kind == "notice", col(Item.guid).in_(chunk)
            )
            for item_id, guid, entries in session.execute(query):
                ids = {str(e.get("id")) for e in entries or [] if isinstance(e, dict)}
                found.setdefault((sid, guid), (item_id, ids))
    return found


def _stored_extras(item_ids: list[int], *, session: Session) -> dict[int, dict[str, Any]]:
    """item id -> `extra` (compiled release, history, fields) of stored notices."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(sorted(set(item_ids))):
        query = sa.select(col(Item.id), col(Item.extra)).where(col(Item.id).in_(chunk))
        found.update((item_id, dict(extra or {})) for item_id, extra in session.execute(query))
    return found


def save_checkpoints(checkpoints: Mapping[int, dict[str, Any]], *, session: Session) -> None:
    """Store each notices source's checkpoint (how far its API has been read)."""
    for sid, checkpoint in checkpoints.items():
        session.execute(
            sa.update(Source).where(col(Source.id) == sid).values(checkpoint=dict(checkpoint))
        )


# --- the public listing (web, API, feeds) ---------------------------------------------------


def notice_column(name: str) -> Any:
    """`extra -> notice -> name` as an SQL expression (JSON path on SQLite and PostgreSQL)."""
    return col(Item.extra)[("notice", name)]


def public_notices(
    *,
    session: Session,
    region: str | None = None,
    stage: str | None = None,
    buyer_type: str | None = None,
    cpv: str | None = None,
    value_min: float | None = None,
    value_max: float | None = None,
    closing_before: datetime | None = None,
    topic: str | None = None,
    buyer_key: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Any:
    """Approved notices, newest first, filtered; one query (web, API and feeds share it)."""
    from kil_feed.storage.web import item_page, tagged

    dialect = session.get_bind().dialect.name
    query = select(Item).where(Item.status == "approved", Item.kind == "notice")
    if region:
        query = query.where(tagged("region", region, dialect))
    if topic:
        query = query.where(tagged("topic", topic, dialect))
    if stage:
        query = query.where(notice_column("stage").as_string() == stage)
    if buyer_type:
        query = query.where(notice_column("buyer_type").as_string() == buyer_type)
    if cpv:
        # codes are stored as JSON text {"code": "79600000", ...}: a prefix is a LIKE on it
        query = query.where(sa.cast(col(Item.extra), sa.Text).like(f'%"code": "{cpv}%'))
    if value_min is not None or value_max is not None:
        # a value given as a range (an estimate's minValue to its value) is in every band
        # it overlaps; a single value has both ends equal
        single = (notice_column("value_amount").as_float(), notice_column("value_gross").as_float())
        low_end = notice_column("value_min").as_float()
        high = sa.func.coalesce(*single, low_end)
        low = sa.func.coalesce(low_end, *single)
        if value_min is not None:
            query = query.where(high >= value_min)
        if value_max is not None:
            query = query.where(low < value_max)
    if closing_before is not None:
        query = query.where(col(Item.closes_at).is_not(None), col(Item.closes_at) <= closing_before)
    if buyer_key:
        query = query.where(Item.buyer_key == buyer_key)
    return item_page(query, session, limit, offset)
