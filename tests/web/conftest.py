"""Fixtures for the web tests: the seeded archive and an in-process client."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine
from kil_feed.web.app import create_app
from tests.conftest import kil_environment, sqlite_copy
from tests.support.webdata import Archive, seed_archive


@pytest.fixture(scope="session")
def archive_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, Archive]:
    """The seeded archive built once per session in a migrated SQLite file of its own (the
    build, edits and approval cost far more than copying a file); `archive` copies it."""
    folder = tmp_path_factory.mktemp("archive")
    with kil_environment(folder, sqlite_copy(folder, sqlite_template)):
        settings = load_settings()
        engine = make_engine(settings)
        archive = seed_archive(engine, settings)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    return folder / "kil.db", archive


@pytest.fixture
def archive(engine: Engine, archive_template: tuple[Path, Archive]) -> Archive:
    """The test's own copy of the seeded archive, in place of its empty database."""
    template, seeded = archive_template
    database = engine.url.database
    assert database, f"the archive needs a SQLite file, not {engine.url}"
    engine.dispose()  # no pooled connection may outlive the file it was opened on
    for suffix in ("-wal", "-shm"):
        Path(database + suffix).unlink(missing_ok=True)
    shutil.copy(template, database)
    return copy.deepcopy(seeded)


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
