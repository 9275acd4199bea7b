"""Alembic migrations: they own the schema. Applied by `kil db upgrade` (see `kil_feed.migrate`)."""
