"""Alembic environment: runs against the connection handed over by `kil_feed.migrate`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import kil_feed.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("kil-feed migrations run through kil_feed.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
