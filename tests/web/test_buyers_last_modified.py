"""/buyers' Last-Modified follows a buyer inserted by hand (a script, SQL, a restore) with
an `updated_at` of its own older than the newest: the page's ETag moved with the new row
and its Last-Modified did not, so If-Modified-Since got a 304 and the list without it (the
insert is now stamped by a trigger, migration 0025). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import write_session
from kil_feed.models import Item
from kil_feed.storage.items import save_item
from kil_feed.storage.sources import upsert_source
from kil_feed.timeutil import utcnow
from kil_feed.web.app import create_app
from tests.support.notices import store_notices
from tests.support.waiting import settled_response

LEEDS = "Leeds City Council"
NOTICES = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"


def test_a_buyer_inserted_by_hand_moves_last_modified(
    any_engine: Engine, any_settings: Settings, corpus_dir: Path
) -> None:
    store_notices(any_engine, any_settings, [corpus_dir / "ocds" / NOTICES])
    with write_session(any_engine) as s:  # a job whose buyer is not stored yet
        source, _ = upsert_source("Jobs board", session=s, kind="jobs", url="https://j.example/")
        job = Item(
            source_id=source.id, kind="job", status="approved", url="https://j.example/leeds",
            title="Interim Category Manager", employer=LEEDS, buyer_key="leeds",
            published_at=utcnow() - timedelta(days=3),
        )  # fmt: skip
        save_item(job, session=s)
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        before = {p: settled_response(client, p) for p in ("/buyers", "/api/buyers")}
        assert LEEDS not in before["/buyers"].text
        with write_session(any_engine) as s:  # copied in, dated when the script made it
            old = utcnow() - timedelta(days=30)
            s.execute(
                sa.text(
                    "INSERT INTO buyer (key, slug, name, created_at, updated_at)"
                    " VALUES ('leeds', 'leeds-city-council', :name, :at, :at)"
                ),
                {"name": LEEDS, "at": old},
            )
        for path, first in before.items():
            since = {"if-modified-since": first.headers["last-modified"]}
            after = settled_response(client, path, **since)
            assert after.status_code == 200, path  # was a 304 with the list without Leeds
            assert LEEDS in after.text and after.headers["etag"] != first.headers["etag"], path
            assert after.headers["last-modified"] != first.headers["last-modified"], path
            again = {"if-modified-since": after.headers["last-modified"]}
            assert client.get(path, headers=again).status_code == 304, path
    app.state.engine.dispose()
