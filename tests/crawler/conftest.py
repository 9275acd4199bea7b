from __future__ import annotations

import secrets

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine
from tests.support.crawl import FAST_CRAWL_ENV


@pytest.fixture
def crawl_settings(kil_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for crawls against the loopback server: no delays (`FAST_CRAWL_ENV`)."""
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    return load_settings()


@pytest.fixture
def crawl_engine(crawl_settings: Settings):  # type: ignore[no-untyped-def]
    eng: Engine = make_engine(crawl_settings)
    yield eng
    eng.dispose()


@pytest.fixture
def redis_settings(crawl_settings, monkeypatch):  # type: ignore[no-untyped-def]
    """`crawl_settings` with the Redis backend and a key prefix of its own (deleted after);
    skips when no Redis answers at 127.0.0.1:6379."""
    from kil_feed.ingest.queue import connect

    prefix = f"kiltest:{secrets.token_hex(4)}:"
    monkeypatch.setenv("KIL_CRAWL__BACKEND", "redis")
    monkeypatch.setenv("KIL_CRAWL__REDIS_PREFIX", prefix)
    settings = load_settings()
    try:
        client = connect(settings)
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield settings
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
