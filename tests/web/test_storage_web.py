"""The web's storage queries on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import NotFoundError
from kil_feed.storage import web as store
from kil_feed.storage.subscribers import find_subscriber
from kil_feed.web.app import create_app
from tests.support.webdata import seed_archive
from tests.web.conftest import csrf_of


def test_listings_on_both_backends(any_engine: Engine, any_settings: Settings) -> None:
    archive = seed_archive(any_engine, any_settings)
    with read_session(any_engine) as s:
        news = store.public_news(session=s)
        assert news.total == 4 and not news.capped
        assert news.items[0].id == archive.items["insourcing"]  # newest first
        assert [i.id for i in store.public_news(session=s, region="London").items] == [
            archive.items["social"]
        ]
        assert store.public_news(session=s, source="Procurement Weekly").total == 2
        jobs = store.public_jobs(session=s)
        assert {i.id for i in jobs.items} == {
            archive.items[n] for n in ("head", "category", "commissioning")
        }
        assert [i.id for i in store.public_jobs(session=s, region="North West").items] == [
            archive.items["head"]
        ]
        assert store.public_jobs(session=s, include_closed=True).total == 4
        assert [i.id for i in store.public_jobs(session=s, rate_min=500).items] == [
            archive.items["head"]
        ]
        assert store.public_jobs(session=s, contract_type="permanent").total == 1
        page = store.public_jobs(session=s, limit=2, offset=2)
        assert page.total == 3 and len(page.items) == 1
        assert store.tag_values("region", session=s)[0] == "London"
        assert store.contract_types(session=s) == ["contract", "interim", "permanent"]
        assert [i.id for i in store.sent_issues(session=s)] == [archive.issues["sent"]]
        with pytest.raises(NotFoundError):
            store.get_sent_issue(archive.issues["draft"], session=s)
        with pytest.raises(NotFoundError):
            store.get_public_item(archive.items["pending"], session=s)


def test_subscription_flow_on_both_backends(any_engine: Engine, any_settings: Settings) -> None:
    archive = seed_archive(any_engine, any_settings)
    with write_session(any_engine) as s:
        sub = store.request_subscription("New@Example.org", session=s, regions=["Wales"])
        assert sub is not None and sub.status == "pending" and sub.token_nonce == 1
        new_id = sub.id
        assert store.request_subscription("reader@example.org", session=s) is None  # confirmed
        again = store.request_subscription("gone@example.org", session=s, topics=["housing"])
        assert again is not None and again.status == "pending" and again.token_nonce == 2
    with write_session(any_engine) as s, pytest.raises(NotFoundError):
        store.confirm_subscription(new_id, 7, session=s)  # wrong nonce
    with write_session(any_engine) as s:
        done = store.confirm_subscription(new_id, 1, session=s)
        assert done.status == "confirmed" and done.token_nonce == 2
    with write_session(any_engine) as s:
        with pytest.raises(NotFoundError):
            store.confirm_subscription(new_id, 1, session=s)  # single use
        store.update_preferences(new_id, session=s, regions=["London", "London"], topics=[])
    with write_session(any_engine) as s:
        first = store.unsubscribe_subscriber(archive.subscribers["reader"], session=s)
        stamp = first.unsubscribed_at
    with write_session(any_engine) as s:
        second = store.unsubscribe_subscriber(archive.subscribers["reader"], session=s)
        assert second.status == "unsubscribed" and second.unsubscribed_at == stamp
    with read_session(any_engine) as s:
        assert store.get_subscriber_by_id(new_id, session=s).regions == ["London"]
        with pytest.raises(NotFoundError):
            store.get_subscriber_by_id(999999, session=s)


def test_a_nul_in_the_request_on_both_backends(any_engine: Engine, any_settings: Settings) -> None:
    """PostgreSQL refuses NUL in text: a NUL in a filter, a buyer's slug or a signup's name
    was a 500 there. A filter with one matches nothing (as on SQLite); a name keeps one line."""
    seed_archive(any_engine, any_settings)
    app = create_app(any_settings)
    with TestClient(app, base_url="http://testserver") as client:
        for path, params in (
            ("/api/items", {"topic": "\x00"}),
            ("/api/items", {"source": "x\x00"}),
            ("/api/jobs", {"contract_type": "\x00"}),
        ):
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text[:200])
            assert response.json()["total"] == 0, (path, params)
        assert client.get("/api/buyers", params={"q": "\x00"}).json()["buyers"] == []
        for path, params in (
            ("/news", {"topic": "\x00"}),
            ("/news", {"source": "\x00"}),
            ("/jobs", {"contract_type": "\x00"}),
            ("/feeds/jobs.xml", {"contract_type": "\x00"}),
            ("/feeds/notices.xml", {"topic": "\x00"}),
        ):
            response = client.get(path, params=params)
            assert response.status_code == 200, (path, response.text[:200])
            assert "Council brings waste collection" not in response.text, path
        assert client.get("/buyers/a%00b").status_code == 404
        token = csrf_of(client)
        data = {"email": "nul@example.org", "name": "Pat\x00\r\nBcc: x", "csrf_token": token}
        assert client.post("/subscribe", data=data).status_code == 200
    app.state.engine.dispose()
    with read_session(any_engine) as s:
        sub = find_subscriber("nul@example.org", session=s)
        assert sub is not None and sub.name == "Pat Bcc: x"
