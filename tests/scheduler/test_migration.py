"""Migration 0006 creates exactly what the models (and APScheduler's store) describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import MetaData
from sqlmodel import SQLModel

import kil_feed.models  # noqa: F401

OURS = {"job_run", "job_week_claim", "scheduler_lock", "apscheduler_jobs"}


def _table_of(diff) -> str | None:  # type: ignore[no-untyped-def]
    if isinstance(diff, list):  # column modifications come as lists
        return diff[0][2]
    obj = diff[1]
    table = getattr(obj, "table", None)
    return getattr(table, "name", None) or getattr(obj, "name", None)


def test_scheduler_tables_match_the_models(any_engine) -> None:  # type: ignore[no-untyped-def]
    metadata = MetaData()  # a copy: the shared metadata stays as it is
    for name in OURS - {"apscheduler_jobs"}:
        SQLModel.metadata.tables[name].to_metadata(metadata)
    SQLAlchemyJobStore(engine=any_engine, metadata=metadata)  # adds its table definition
    assert set(metadata.tables) == OURS
    with any_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diffs if _table_of(d) in OURS] == []
