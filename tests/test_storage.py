"""Storage on both backends: natural keys, UTC round trips, tags, the delivery ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.db import read_session, write_session
from kil_feed.errors import NotFoundError
from kil_feed.models import Delivery, Issue, Item, Source, Subscriber
from kil_feed.storage import deliveries, items, sources, subscribers


def _source(engine: Engine, name: str = "lgc") -> int:
    with write_session(engine) as s:
        src, created = sources.upsert_source(
            name, session=s, url="https://example.org/feed", kind="feed"
        )
        assert created
        return src.id  # type: ignore[return-value]


def test_source_upsert_and_lookup(any_engine: Engine) -> None:
    sid = _source(any_engine)
    with write_session(any_engine) as s:
        src, created = sources.upsert_source("lgc", session=s, url="https://example.org/new")
        assert not created and src.id == sid
    with read_session(any_engine) as s:
        assert sources.get_source("lgc", session=s).url == "https://example.org/new"
        with pytest.raises(NotFoundError):
            sources.get_source("nope", session=s)


def test_timestamps_round_trip_as_aware_utc(any_engine: Engine) -> None:
    sid = _source(any_engine)
    published = datetime(2026, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    with write_session(any_engine) as s:
        item = items.save_item(
            Item(source_id=sid, url="https://example.org/a", title="A", published_at=published),
            session=s,
        )
        item_id = item.id
    with read_session(any_engine) as s:
        got = items.get_item(item_id, session=s)  # type: ignore[arg-type]
        assert got.published_at == published
        assert got.published_at.tzinfo is not None
        assert got.published_at.utcoffset() == timedelta(0)
        assert got.collected_at.tzinfo == UTC


def test_item_natural_key_is_unique_per_source(any_engine: Engine) -> None:
    sid = _source(any_engine)
    with write_session(any_engine) as s:
        items.save_item(Item(source_id=sid, url="https://example.org/a", title="A"), session=s)
    with pytest.raises(sa.exc.IntegrityError), write_session(any_engine) as s:
        items.save_item(Item(source_id=sid, url="https://example.org/a", title="again"), session=s)
    other = _source(any_engine, "other")
    with write_session(any_engine) as s:  # same URL from another source is a new row
        items.save_item(Item(source_id=other, url="https://example.org/a", title="A"), session=s)


def test_tags_filter_items_by_topic_and_region(any_engine: Engine) -> None:
    sid = _source(any_engine)
    with write_session(any_engine) as s:
        items.save_item(
            Item(
                source_id=sid,
                url="https://e.org/1",
                title="Manchester job",
                kind="job",
                regions=["North West"],
                topics=["procurement"],
            ),
            session=s,
        )
        items.save_item(
            Item(
                source_id=sid,
                url="https://e.org/2",
                title="London job",
                kind="job",
                regions=["London"],
                topics=["commissioning"],
            ),
            session=s,
        )
        moved = items.save_item(
            Item(
                source_id=sid, url="https://e.org/3", title="Moved", kind="job", regions=["London"]
            ),
            session=s,
        )
        moved.regions = ["North West"]
        items.save_item(moved, session=s)
    with read_session(any_engine) as s:
        nw = items.list_items(session=s, regions=["North West"])
        assert sorted(i.title for i in nw) == ["Manchester job", "Moved"]
        assert [i.title for i in items.list_items(session=s, topics=["commissioning"])] == [
            "London job"
        ]
        assert len(items.list_items(session=s, source="lgc", kind="job")) == 3


def test_subscriber_email_is_unique(any_engine: Engine) -> None:
    with write_session(any_engine) as s:
        s.add(Subscriber(email=subscribers.normalise_email(" Ann@Example.ORG ")))
    with read_session(any_engine) as s:
        assert subscribers.get_subscriber("ANN@example.org", session=s).email == "ann@example.org"
    with pytest.raises(sa.exc.IntegrityError), write_session(any_engine) as s:
        s.add(Subscriber(email="ann@example.org"))


def test_delivery_ledger_is_one_row_per_issue_and_subscriber(any_engine: Engine) -> None:
    with write_session(any_engine) as s:
        issue = Issue(week="2026-W48", subject="Week 48")
        sub = Subscriber(email="bob@example.org", status="confirmed")
        s.add(issue)
        s.add(sub)
        s.flush()
        s.add(Delivery(issue_id=issue.id, subscriber_id=sub.id))  # type: ignore[arg-type]
        ids = (issue.id, sub.id)
    with read_session(any_engine) as s:
        assert deliveries.delivery_counts(ids[0], session=s) == {"pending": 1}  # type: ignore[arg-type]
    with pytest.raises(sa.exc.IntegrityError), write_session(any_engine) as s:
        s.add(Delivery(issue_id=ids[0], subscriber_id=ids[1]))


def test_deleting_a_source_cascades_to_its_items(any_engine: Engine) -> None:
    sid = _source(any_engine)
    with write_session(any_engine) as s:
        items.save_item(
            Item(source_id=sid, url="https://e.org/1", title="x", topics=["a"]), session=s
        )
    with write_session(any_engine) as s:
        s.delete(s.get(Source, sid))
    with read_session(any_engine) as s:
        assert items.list_items(session=s) == []
