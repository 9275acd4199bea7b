"""Fixtures for the newsletter tests: the fixed world, settings pointing at the SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from tests.newsletter.world import World, make_world


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
    """SMTP to the loopback server, quick retries."""
    return tune(settings, smtp_url=smtp_server.url, retry_backoff=0.01)
