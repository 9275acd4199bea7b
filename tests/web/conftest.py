"""Fixtures for the web tests: the seeded archive and an in-process client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.web.app import create_app
from tests.support.webdata import Archive, seed_archive


@pytest.fixture
def archive(engine: Engine, settings: Settings) -> Archive:
    return seed_archive(engine, settings)


@pytest.fixture
def client(settings: Settings, archive: Archive) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.engine.dispose()


def csrf_of(client: TestClient, path: str = "/subscribe") -> str:
    """Load a page with a form and return its CSRF token (the cookie is kept by the client)."""
    import re

    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF field on " + path
    return match.group(1)
