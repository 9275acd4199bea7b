"""Queries on items: get, filtered listing, and keeping the topic/region tag index in step."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

import crawler.records
from kil_feed.errors import NotFoundError
from kil_feed.models import Item, ItemTag, Source, source_display_name
from kil_feed.storage.bulk import chunks, executemany, insert_with_ids
from kil_feed.storage.edits import keep_edits
from kil_feed.timeutil import utcnow

LOOKUP_CHUNK = 1000  # (source, key) pairs per lookup: one bound parameter (two on PostgreSQL)


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
    """Map of source id to name (the editors' handle: API fields, CLI filters)."""
    return {s.id: s.name for s in session.exec(select(Source)).all() if s.id is not None}


def items_after(
    after_id: int,
    *,
    session: Session,
    kind: str | None = None,
    source_id: int | None = None,
    limit: int = 500,
) -> Sequence[Item]:
    """The next `limit` items by id after `after_id`, of a kind or source if given: a
    whole table read a batch at a time (`kil items reclassify`)."""
    query = select(Item).where(col(Item.id) > after_id)
    if kind:
        query = query.where(Item.kind == kind)
    if source_id is not None:
        query = query.where(Item.source_id == source_id)
    return session.exec(query.order_by(col(Item.id)).limit(limit)).all()


def source_defaults(*, session: Session) -> dict[int, tuple[list[str], list[str]]]:
    """Map of source id to the (topics, regions) its items are given besides their own."""
    rows = session.exec(select(Source.id, Source.topics, Source.regions)).all()
    return {sid: (list(t or []), list(r or [])) for sid, t, r in rows if sid is not None}


def source_titles(*, session: Session) -> dict[int, str]:
    """Map of source id to what people see: its title, else its name."""
    rows = session.exec(select(Source.id, Source.title, Source.name)).all()
    return {sid: source_display_name(title, name) for sid, title, name in rows if sid is not None}


# --- batched ingest: natural-key upsert and cross-source clustering ----------------------

# the content columns a crawl fills, from the one declaration of a crawled item (`extra`
# is set when an item is first stored)
ITEM_FIELDS = tuple(
    f
    for f in crawler.records.ITEM_FIELDS
    if f not in ("source_id", "run_id", "collected_at", "extra")
)
UPDATABLE_FIELDS = tuple(f for f in ITEM_FIELDS if f not in ("kind", "url", "guid"))


def upsert_items(
    rows: Sequence[Mapping[str, Any]],
    *,
    session: Session,
    decide: Callable[[Mapping[str, Any]], tuple[str, str | None, str | None]] | None = None,
) -> list[str]:
    """Store a batch of normalised items; returns 'new', 'updated' or 'unchanged' per row.

    Each row carries `source_id` and the item fields. An existing item of the same source
    with the same GUID, or else the same canonical URL, is updated in place (only when its
    `content_hash` changed), keeping what an editor edited (`keep_edits`). New items get
    (status, rule, reason) from `decide` and join the cluster of another source's item with
    the same `title_key` or `fingerprint`: a few indexed IN-lookups per batch, never a
    comparison of all pairs.
    """
    outcomes = ["unchanged"] * len(rows)
    existing = _existing_by_key(rows, session=session)
    now = utcnow()
    updates: list[dict[str, Any]] = []
    new_rows: list[tuple[int, dict[str, Any]]] = []
    batch_keys: set[tuple[int, str, str]] = set()
    for index, row in enumerate(rows):
        sid = row["source_id"]
        match = (existing.get((sid, "guid", row["guid"])) if row.get("guid") else None) or (
            existing.get((sid, "url", row["url"]))
        )
        if match is not None:
            if match[1] != row.get("content_hash"):
                values = {f: row.get(f) for f in UPDATABLE_FIELDS if f in row}
                updates.append({"id": match[0], **values, "updated_at": now})
                outcomes[index] = "updated"
            continue
        keys = {(sid, "url", row["url"])} | (
            {(sid, "guid", row["guid"])} if row.get("guid") else set()
        )
        if keys & batch_keys:
            continue  # a second copy within the batch: the first one wins
        batch_keys |= keys
        values = {f: row.get(f) for f in ITEM_FIELDS}
        values["topics"] = list(values["topics"] or [])
        values["regions"] = list(values["regions"] or [])
        values["date_estimated"] = bool(values["date_estimated"])
        status, rule, reason = decide(row) if decide else ("pending", None, None)
        values.update(
            source_id=sid,
            status=status,
            rule=rule,
            reject_reason=reason,
            collected_at=row.get("collected_at") or now,
            updated_at=now,
            cluster_id=None,
            featured=False,
            score=0.0,
            extra=dict(row.get("extra") or {}),
            content_hash=row.get("content_hash") or "",
            title_key=row.get("title_key") or "",
            fingerprint=row.get("fingerprint") or "",
        )
        new_rows.append((index, values))
        outcomes[index] = "new"
    if updates:
        keep_edits(updates, session=session)
        session.execute(sa.update(Item), updates)
        replace_tags(updates, session=session)
    if new_rows:
        _insert_new([values for _, values in new_rows], session=session)
    return outcomes


def _existing_query(column: str, dialect: str) -> sa.TextClause:
    """Stored items matching any of a list of (source id, `column` value) pairs: the list
    joined to the (source_id, url) or (source_id, guid) index, one probe per pair."""
    if dialect == "postgresql":
        keys = "unnest(CAST(:sids AS integer[]), CAST(:vals AS varchar[])) AS k(sid, val)"
        sid, val = "k.sid", "k.val"
    else:  # SQLite: the pairs as one JSON array (json_each keeps their order)
        keys = "json_each(:pairs) AS k"
        sid, val = "json_extract(k.value, '$[0]')", "json_extract(k.value, '$[1]')"
    return sa.text(
        f"SELECT i.id, i.source_id, i.url, i.guid, i.content_hash FROM {keys} "
        f"JOIN item AS i ON i.source_id = {sid} AND i.{column} = {val}"
    )


# built once: a batch runs them twice, and building a statement costs more than SQLite
# takes to answer it
_EXISTING_BY = {
    (column, dialect): _existing_query(column, dialect)
    for column in ("url", "guid")
    for dialect in ("sqlite", "postgresql")
}


def _existing_by_key(
    rows: Sequence[Mapping[str, Any]], *, session: Session
) -> dict[tuple[int, str, str], tuple[int, str]]:
    """(source_id, 'url'|'guid', value) -> (item id, content hash) for rows already stored.

    Two lookups per batch, whatever its number of sources: the batch's (source, URL) and
    (source, GUID) pairs joined to their indexes. (A row-value IN over the pairs scans the
    whole index on SQLite; one IN-lookup per source cost a statement per source.)
    """
    keys: dict[str, set[tuple[int, str]]] = {"url": set(), "guid": set()}
    for row in rows:
        keys["url"].add((row["source_id"], row["url"]))
        if row.get("guid"):
            keys["guid"].add((row["source_id"], row["guid"]))
    connection = session.connection()
    dialect = "postgresql" if connection.dialect.name == "postgresql" else "sqlite"
    answers: dict[int, list[tuple[int, str, str | None, str]]] = {}
    for name, pairs in keys.items():
        for chunk in chunks(sorted(pairs), LOOKUP_CHUNK):
            if dialect == "postgresql":
                params = {"sids": [p[0] for p in chunk], "vals": [p[1] for p in chunk]}
            else:
                params = {"pairs": json.dumps(chunk, ensure_ascii=False)}
            for item_id, sid, url, guid, digest in connection.execute(
                _EXISTING_BY[(name, dialect)], params
            ):
                answers.setdefault(sid, []).append((item_id, url, guid, digest))
    # per source, what its URLs found before what its GUIDs found: the first stored item
    # wins a GUID that two of them share
    found: dict[tuple[int, str, str], tuple[int, str]] = {}
    for sid, answered in answers.items():
        for item_id, url, guid, digest in answered:
            found.setdefault((sid, "url", url), (item_id, digest))
            if guid:
                found.setdefault((sid, "guid", guid), (item_id, digest))
    return found


def _insert_new(values: list[dict[str, Any]], *, session: Session) -> None:
    """Insert new items (no ORM bookkeeping per row), tag them, cluster them."""
    table = Item.__table__  # type: ignore[attr-defined]
    for row, item_id in zip(values, insert_with_ids(table, values, session=session), strict=True):
        row["id"] = item_id
    _insert_tags(values, session=session)
    cluster_new_items(values, session=session)


def _tag_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    tags: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row in rows:
        for kind, key in (("topic", "topics"), ("region", "regions")):
            for value in row.get(key) or []:
                tags[(row["id"], kind, value)] = {
                    "item_id": row["id"],
                    "kind": kind,
                    "value": str(value)[:100],
                }
    return list(tags.values())


def _insert_tags(rows: Iterable[Mapping[str, Any]], *, session: Session) -> None:
    tags = _tag_rows(rows)
    table = ItemTag.__table__  # type: ignore[attr-defined]
    for chunk in chunks(tags, 1000):
        session.connection().execute(sa.insert(table), chunk)


def replace_tags(rows: list[dict[str, Any]], *, session: Session) -> None:
    """Keep `item_tag` in step with updated topics/regions."""
    changed = [r for r in rows if "topics" in r or "regions" in r]
    ids = [r["id"] for r in changed]
    for chunk in chunks(ids):
        session.execute(sa.delete(ItemTag).where(col(ItemTag.item_id).in_(chunk)))
    _insert_tags(changed, session=session)


def _lock_cluster_keys(keys: list[str], prints: list[str], *, session: Session) -> None:
    """On PostgreSQL, take a transaction-scoped advisory lock per cluster key (ascending,
    so two writers never wait on each other in a circle). Two crawl workers storing copies
    of one story then cluster one after the other: the second sees the first's committed
    copy and joins it, where both would otherwise see only their own and make no cluster
    (or two). SQLite needs none: its writers are serialised (`BEGIN IMMEDIATE`)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(
        {_lock_id("title_key", k) for k in keys} | {_lock_id("fingerprint", p) for p in prints}
    )
    statement = sa.text(
        "SELECT pg_advisory_xact_lock(s.k) FROM "
        "(SELECT unnest(CAST(:ids AS bigint[])) AS k ORDER BY 1) AS s"
    )
    for chunk in chunks(ids):
        session.execute(statement, {"ids": chunk}).all()


def _lock_id(name: str, value: str) -> int:
    """A signed 64-bit advisory lock key for one cluster key."""
    digest = hashlib.blake2b(f"kil-cluster:{name}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def cluster_new_items(rows: list[dict[str, Any]], *, session: Session) -> None:
    """Join each new item to copies from other sources (same title_key or fingerprint).

    A cluster's id is the id of its earliest item; items without copies keep
    `cluster_id = NULL`. Lookups use the indexed `title_key` and `fingerprint` columns.
    """
    keys = sorted({r["title_key"] for r in rows if r.get("title_key")})
    prints = sorted({r["fingerprint"] for r in rows if r.get("fingerprint")})
    if not keys and not prints:
        return
    _lock_cluster_keys(keys, prints, session=session)
    # candidates sharing a key (the new items included, already inserted): every item not
    # yet in a cluster, and per key one summary of the clustered ones (the smallest cluster
    # id and the range of their sources), so a story syndicated to many sources costs one
    # row per key, not one per copy
    members: dict[tuple[str, str], list[tuple[int | None, int, int | None]]] = {}
    connection = session.connection()
    for name, values in (("title_key", keys), ("fingerprint", prints)):
        loose, clustered = _CANDIDATES[name]
        for chunk in chunks(values):
            for item_id, source_id, value in connection.execute(loose, {"values": chunk}):
                members.setdefault((name, value), []).append((item_id, source_id, None))
            for value, cluster, low, high in connection.execute(clustered, {"values": chunk}):
                members.setdefault((name, value), []).extend(
                    [(None, low, cluster), (None, high, cluster)]
                )
    assign: dict[int | None, int] = {}
    for row in rows:
        group: list[tuple[int | None, int, int | None]] = []
        for name in ("title_key", "fingerprint"):
            if row.get(name):
                group.extend(members.get((name, row[name]), []))
        others = [m for m in group if m[1] != row["source_id"]]
        if not others:
            continue
        clusters = [assign.get(m[0], m[2]) for m in group if assign.get(m[0], m[2]) is not None]
        cluster = min(clusters) if clusters else min(m[0] for m in group if m[0] is not None)
        for member_id, _, member_cluster in group:
            if assign.get(member_id, member_cluster) is None:
                assign[member_id] = cluster
        assign[row["id"]] = cluster
    if assign:
        executemany(
            connection,
            _SET_CLUSTER,
            [{"b_id": item_id, "b_cluster": c} for item_id, c in assign.items()],
        )


def _candidates(column: Any) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """Items with one of `values` as `column`: those not in a cluster, and per value a
    summary of the clustered ones (the smallest cluster id, the range of their sources)."""
    values = sa.bindparam("values", expanding=True)
    loose = sa.select(col(Item.id), col(Item.source_id), column).where(
        column.in_(values), col(Item.cluster_id).is_(None)
    )
    clustered = (
        sa.select(
            column,
            sa.func.min(col(Item.cluster_id)),
            sa.func.min(col(Item.source_id)),
            sa.func.max(col(Item.source_id)),
        )
        .where(column.in_(values), col(Item.cluster_id).is_not(None))
        .group_by(column)
    )
    return loose, clustered


# built once, run on the connection (the ORM session's execute costs more than the query)
_CANDIDATES = {"title_key": _candidates(col(Item.title_key)),
               "fingerprint": _candidates(col(Item.fingerprint))}  # fmt: skip
# a Core executemany: the ORM's bulk update by primary key costs more per row than SQLite
_ITEMS = Item.__table__  # type: ignore[attr-defined]
_SET_CLUSTER = (
    sa.update(_ITEMS)
    .where(_ITEMS.c.id == sa.bindparam("b_id"))
    .values(cluster_id=sa.bindparam("b_cluster"))
)


def tag_counts(kind: str, *, session: Session) -> dict[str, int]:
    """Items carrying each topic or region (`kil topics list`)."""
    rows = session.exec(
        select(ItemTag.value, sa.func.count()).where(ItemTag.kind == kind).group_by(ItemTag.value)
    ).all()
    return {value: int(count) for value, count in rows}
