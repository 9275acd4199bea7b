from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine
from tests.support.crawl import FAST_CRAWL_ENV


@pytest.fixture
def crawl_settings(kil_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for crawls against the loopback server: no delays, short timeouts."""
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    return load_settings()


@pytest.fixture
def crawl_engine(crawl_settings: Settings):  # type: ignore[no-untyped-def]
    eng: Engine = make_engine(crawl_settings)
    yield eng
    eng.dispose()
