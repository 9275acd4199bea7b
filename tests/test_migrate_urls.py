"""Migrations run whatever the database URL holds: a `%` in a path or an encoded password
once stopped `kil db upgrade` in Alembic's ini-style option parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from kil_feed.migrate import current_revision, head_revision


def _revision(url: object) -> str | None:
    engine = create_engine(url)  # type: ignore[call-overload]
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def test_db_upgrade_in_a_folder_with_a_percent_sign(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "100% local"
    folder.mkdir()
    url = f"sqlite:///{folder / 'kil.db'}"
    monkeypatch.setenv("KIL_DATABASE_URL", url)
    cli("db", "upgrade")
    assert _revision(url) == head_revision()


@pytest.mark.postgres
def test_db_upgrade_with_a_percent_encoded_password(  # type: ignore[no-untyped-def]
    cli, fresh_postgres_url: str, monkeypatch
) -> None:
    # trust auth: the password is not checked, only carried through the URL
    url = make_url(fresh_postgres_url).set(password="p@ss%w0rd")
    monkeypatch.setenv("KIL_DATABASE_URL", url.render_as_string(hide_password=False))
    assert "%40" in url.render_as_string(hide_password=False)
    cli("db", "upgrade")
    assert _revision(url) == head_revision()
