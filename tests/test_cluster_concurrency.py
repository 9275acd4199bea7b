"""Two writers storing copies of one story at once make one cluster (PostgreSQL).

Crawl workers on several machines write batches concurrently; each batch clusters its new
items against what it can see. Without a lock per cluster key, two transactions that each
insert a copy see only their own and leave both unclustered.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from kil_feed.db import make_engine, read_session, write_session
from kil_feed.models import Item
from kil_feed.storage.items import upsert_items
from kil_feed.storage.sources import upsert_source
from tests.test_storage_ingest import _row

TITLE = "council brings waste collection back in house"


def _waiting_on_advisory_lock(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return bool(conn.exec_driver_sql(query).scalar_one())


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_concurrent_writers_of_one_story_make_one_cluster(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with write_session(engine) as session:
            a, _ = upsert_source("a", session=session, url="http://a.example/feed")
            b, _ = upsert_source("b", session=session, url="http://b.example/feed")
            ids = (a.id, b.id)
        second_done = threading.Event()
        errors: list[BaseException] = []

        def second_writer() -> None:
            try:
                with write_session(engine) as session:
                    upsert_items([_row(ids[1], "http://b/1", TITLE)], session=session)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                errors.append(exc)
            finally:
                second_done.set()

        with write_session(engine) as session:
            upsert_items([_row(ids[0], "http://a/1", TITLE)], session=session)
            thread = threading.Thread(target=second_writer)
            thread.start()
            # the second writer either waits for our cluster key's lock, or (no lock) ends
            deadline = time.monotonic() + 60
            while not (second_done.is_set() or _waiting_on_advisory_lock(engine)):
                assert time.monotonic() < deadline, "the second writer neither waited nor ended"
                time.sleep(0.02)
        thread.join(60)
        assert not thread.is_alive() and not errors, errors
        with read_session(engine) as session:
            items = session.exec(select(Item).where(Item.title == TITLE)).all()
        assert len(items) == 2
        assert items[0].cluster_id is not None
        assert items[0].cluster_id == items[1].cluster_id == min(i.id for i in items)
    finally:
        engine.dispose()
