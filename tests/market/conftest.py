"""The market tests' web client: the app on the seeded job market (tests/support/market)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.web.app import create_app
from tests.support.market import seed_market


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    seed_market(engine)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    app.state.engine.dispose()
