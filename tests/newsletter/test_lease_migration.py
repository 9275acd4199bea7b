"""Migration 0008 (#19) creates exactly what the models describe: delivery leases and the
shared send state."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import kil_feed.models  # noqa: F401

OURS = {"delivery", "send_state"}


def test_lease_tables_match_the_models(any_engine: Engine) -> None:
    metadata = MetaData()
    for name in ("issue", "subscriber", *OURS):
        SQLModel.metadata.tables[name].to_metadata(metadata)
    with any_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diffs if any(t in repr(d) for t in OURS)]
    assert ours == []
