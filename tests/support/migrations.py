"""Running one data migration again on a database already at the head, for its tests."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.migrate import upgrade


def rerun(engine: Engine, revision: str, before: str) -> None:
    """Migration `revision` (which revises `before`) again, alone: rewinding to `before` and
    upgrading to the head ran every later migration a second time, and one that creates a
    table failed on it. The database is at its old revision afterwards."""
    version = sa.text("SELECT version_num FROM alembic_version")
    with engine.begin() as conn:
        head = conn.execute(version).scalar_one()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": before})
    upgrade(engine, revision)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
