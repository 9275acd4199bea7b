"""Helpers for crawl tests: add sources straight through storage, run a real crawl."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.ingest.run import run_crawl
from kil_feed.ingest.summary import SourceSummary
from kil_feed.models import Item
from kil_feed.storage import sources as source_store

# No delays; a download timeout a busy machine's loopback answer meets (at 3 s a slow answer
# was timed out and fetched again by the retry). It costs nothing when answers are quick;
# a test of a time-out (a slow or hanging server) sets its own short one.
FAST_CRAWL_ENV = {
    "KIL_CRAWL__DOWNLOAD_DELAY": "0",
    "KIL_CRAWL__AUTOTHROTTLE": "false",
    "KIL_CRAWL__CONCURRENT_PER_DOMAIN": "16",
    "KIL_CRAWL__CONCURRENT_REQUESTS": "32",
    "KIL_CRAWL__DOWNLOAD_TIMEOUT": "30",
}


def add_source(engine: Engine, name: str, url: str, kind: str = "feed", **fields: Any) -> None:
    with write_session(engine) as session:
        source_store.upsert_source(name, session=session, url=url, kind=kind, **fields)


def crawl(
    settings: Settings, names: list[str] | None = None, time_limit: float = 90
) -> dict[str, SourceSummary]:
    return {s.name: s for s in run_crawl(settings, sources=names, time_limit=time_limit)}


def items_of(engine: Engine, source: str) -> list[Item]:
    from kil_feed.storage.items import list_items

    with read_session(engine) as session:
        return list(list_items(session=session, source=source, limit=None))


def count_items(engine: Engine) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Item)).one())
