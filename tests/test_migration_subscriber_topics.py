"""Migration 0024: subscriber topics an import stored as typed before 6db19bc ("PROCUREMENT",
"Social value") are spelled as `kil subscribers add` spells them (the topic's slug), once
each; topics no bundled rule and no item knows are kept as they were. Data is written at
revision 0023, on SQLite and PostgreSQL (synthetic rows in the shape those imports stored)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.migrate import upgrade
from kil_feed.timeutil import UTCDateTime
from tests.support.migrations import rerun

BEFORE = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
_SUBSCRIBER = sa.table(
    "subscriber",
    *(sa.column(c, sa.String) for c in ("email", "name", "status", "origin")),
    *(sa.column(c, sa.JSON) for c in ("regions", "topics")),
    sa.column("token_nonce", sa.Integer),
    *(sa.column(c, UTCDateTime(timezone=True)) for c in ("created_at", "updated_at")),
)

# email -> (topics as an old import stored them, topics after the migration)
STORED = {
    "ann@example.org": (["PROCUREMENT", "Social value", "social  value", "jobs"],
                        ["procurement", "social-value", "jobs"]),
    "bob@example.org": (["Keep-It-Local", "children's services", "Net Zero"],
                        ["keep-it-local", "childrens-services", "net-zero"]),
    "cat@example.org": (["Digital and IT", "digital", " housing "], ["digital", "housing"]),
    "dan@example.org": (["housing", "finance"], ["housing", "finance"]),  # as `add` stores
    "eve@example.org": ([], []),
}  # fmt: skip


def _write_at_0023(engine: Engine) -> None:
    upgrade(engine, "0023_figure_changes")
    stamp = {"created_at": BEFORE, "updated_at": BEFORE}
    with engine.begin() as conn:
        for email, (topics, _) in STORED.items():
            conn.execute(
                sa.insert(_SUBSCRIBER).values(
                    email=email, name="", status="confirmed", origin="import", regions=[],
                    topics=topics, token_nonce=0, **stamp,
                )
            )  # fmt: skip
        # a deployment's own topic (crawl.topics_file), known from the items that carry it
        conn.execute(
            sa.text(
                "INSERT INTO source (name, kind, url, enabled, topics, regions, options,"
                " created_at, updated_at, consecutive_failures) VALUES ('feed', 'rss',"
                " 'http://127.0.0.1/feed', true, '[]', '[]', '{}', :t, :t, 0)"
            ),
            {"t": BEFORE},
        )
        conn.execute(
            sa.text(
                "INSERT INTO item (id, source_id, kind, url, title, summary, body_html, topics,"
                " regions, collected_at, updated_at, date_estimated, content_hash, title_key,"
                " fingerprint, status, featured, score, extra) SELECT 1, id, 'news',"
                " 'http://127.0.0.1/a', 'A', '', '', '[\"net-zero\"]', '[]', :t, :t, false,"
                " 'h', '', 'f', 'approved', false, 0, '{}' FROM source"
            ),
            {"t": BEFORE},
        )
        conn.execute(sa.text("INSERT INTO item_tag VALUES (1, 'topic', 'net-zero')"))


def _stored(engine: Engine) -> dict[str, tuple[list[str], datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(_SUBSCRIBER.c.email, _SUBSCRIBER.c.topics,
                                      _SUBSCRIBER.c.updated_at))  # fmt: skip
        return {r.email: (r.topics, r.updated_at) for r in rows}


def test_imported_topics_are_spelled_as_known_topics_unknown_ones_kept(
    fresh_engine: Engine,
) -> None:
    _write_at_0023(fresh_engine)
    upgrade(fresh_engine)
    stored = _stored(fresh_engine)
    assert {email: topics for email, (topics, _) in stored.items()} == {
        email: after for email, (_, after) in STORED.items()
    }
    assert {at for _, at in stored.values()} == {BEFORE}  # the readers' choices did not change
    # a second run changes nothing (what it wrote is what `add` stores)
    rerun(fresh_engine, "0024_subscriber_topics", "0023_figure_changes")
    assert _stored(fresh_engine) == stored
