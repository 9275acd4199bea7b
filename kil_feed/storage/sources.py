"""Queries on sources: lookup by name, create/update, health bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.errors import NotFoundError
from kil_feed.models import Source
from kil_feed.storage.bulk import typed_param
from kil_feed.timeutil import utcnow


@dataclass(frozen=True)
class FetchOutcome:
    """How fetching one source went: `error` set means it failed."""

    source_id: int
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warning: str | None = None  # read with a defect, as said (`malformed feed: ...`)
    title: str | None = None  # the feed's or site's own title (kept only if none is set)


def get_source(name: str, *, session: Session) -> Source:
    """The source called `name`, or NotFoundError."""
    source = find_source(name, session=session)
    if source is None:
        raise NotFoundError(f"no source named {name!r}", hint="see `kil sources list`")
    return source


def find_source(name: str, *, session: Session) -> Source | None:
    return session.exec(select(Source).where(Source.name == name)).first()


def get_source_by_id(source_id: int, *, session: Session) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    return source


def list_sources(*, session: Session, enabled: bool | None = None) -> Sequence[Source]:
    query = select(Source).order_by(Source.name)
    if enabled is not None:
        query = query.where(Source.enabled == enabled)
    return session.exec(query).all()


def upsert_source(name: str, *, session: Session, **fields: Any) -> tuple[Source, bool]:
    """Create the source or update the given fields; returns (source, created)."""
    source = find_source(name, session=session)
    created = source is None
    if source is None:
        source = Source(name=name, **fields)
    else:
        for key, value in fields.items():
            setattr(source, key, value)
        source.updated_at = utcnow()
    session.add(source)
    session.flush()
    return source, created


def record_fetches(outcomes: Sequence[FetchOutcome], *, session: Session) -> None:
    """Record fetches (a crawl of 1,000 feeds): one UPDATE per kind of outcome.

    A success stamps the time, resets the failure count, keeps new HTTP validators, takes
    the source's own title when it has none (the first crawl names it), and
    stores the source's `warning` (a malformed feed that still parsed, defective notice data
    that still gave notices) as its last error, or clears it. A failure stamps the time,
    keeps why, and counts consecutive failures.
    """
    now = utcnow()
    where = col(Source.id) == sa.bindparam("b_id")
    ok = [o for o in outcomes if not o.error]
    failed = [o for o in outcomes if o.error]
    if ok:
        # Core executemany: an ORM bulk UPDATE would allow no WHERE of our own
        session.connection().execute(
            sa.update(Source).where(where).values(
                last_crawled_at=now, last_success_at=now, consecutive_failures=0,
                etag=sa.func.coalesce(typed_param("b_etag", sa.String), Source.etag),
                last_modified=sa.func.coalesce(
                    typed_param("b_modified", sa.String), Source.last_modified
                ),
                last_error=typed_param("b_warning", sa.String),
                title=sa.func.coalesce(Source.title, typed_param("b_title", sa.String)),
            ),
            [{"b_id": o.source_id, "b_etag": o.etag, "b_modified": o.last_modified,
              "b_warning": o.warning[:2000] if o.warning else None,
              "b_title": o.title[:300] if o.title else None}
             for o in ok],
        )  # fmt: skip
    if failed:
        # Core executemany: an ORM bulk UPDATE would allow no WHERE of our own
        session.connection().execute(
            sa.update(Source).where(where).values(
                last_crawled_at=now, last_error_at=now,
                last_error=typed_param("b_error", sa.String),
                consecutive_failures=col(Source.consecutive_failures) + 1,
            ),
            [{"b_id": o.source_id, "b_error": (o.error or "")[:2000]} for o in failed],
        )  # fmt: skip


def remove_source(name: str, *, session: Session) -> None:
    """Delete a source with its items and crawl runs (foreign keys cascade)."""
    from sqlalchemy import delete

    from kil_feed.models import CrawlRun, Item, ItemTag

    source = get_source(name, session=session)
    item_ids = select(Item.id).where(Item.source_id == source.id)
    session.exec(delete(ItemTag).where(ItemTag.item_id.in_(item_ids)))  # type: ignore[attr-defined]
    session.exec(delete(Item).where(Item.source_id == source.id))  # type: ignore[arg-type]
    session.exec(delete(CrawlRun).where(CrawlRun.source_id == source.id))  # type: ignore[arg-type]
    session.delete(source)


def sources_by_names(names: Sequence[str], *, session: Session) -> list[Source]:
    """The named sources in the given order; NotFoundError for the first unknown name."""
    return [get_source(name, session=session) for name in names]


def item_counts(*, session: Session) -> dict[int, int]:
    """Number of stored items per source id."""
    from sqlalchemy import func

    from kil_feed.models import Item

    rows = session.exec(select(Item.source_id, func.count()).group_by(Item.source_id)).all()
    return {source_id: count for source_id, count in rows}


def source_names(source_ids: Sequence[int], *, session: Session) -> dict[int, str]:
    """The names of the given sources, by id (those that exist)."""
    if not source_ids:
        return {}
    statement = sa.select(col(Source.id), col(Source.name)).where(
        col(Source.id).in_(list(source_ids))
    )
    return {int(sid): name for sid, name in session.execute(statement)}
