"""Fixtures for the newsletter tests: the fixed world, settings pointing at the SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from tests.newsletter.helpers import end_started
from tests.newsletter.world import World, make_world


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Before the test's fixtures (its database, its SMTP server) go: end the `kil`
    processes it started and left running."""
    end_started()


def tune(settings: Settings, *, smtp_url: str | None = None, **newsletter: Any) -> Settings:
    """A copy of `settings` with another SMTP URL and newsletter options."""
    nl = settings.newsletter.model_copy(update=newsletter)
    update: dict[str, Any] = {"newsletter": nl}
    if smtp_url is not None:
        update["smtp_url"] = smtp_url
    return settings.model_copy(update=update)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


@pytest.fixture
def smtp_settings(settings: Settings, smtp_server: Any) -> Settings:
    """SMTP to the loopback server, quick retries, three connections in parallel."""
    return tune(settings, smtp_url=smtp_server.url, retry_backoff=0.01, smtp_connections=3)
