"""Full-text search for the web archive (issue #6).

SQLite: an FTS5 external-content table `item_fts` over item title, summary and employer,
kept in step by triggers. PostgreSQL: a stored generated `search_tsv` column (weighted
title > employer > summary) with a GIN index. Plus an index for the jobs board listing.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS item_fts USING fts5(
        title, summary, employer,
        content='item', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS item_fts_ai AFTER INSERT ON item BEGIN
        INSERT INTO item_fts(rowid, title, summary, employer)
        VALUES (new.id, new.title, new.summary, coalesce(new.employer, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS item_fts_ad AFTER DELETE ON item BEGIN
        INSERT INTO item_fts(item_fts, rowid, title, summary, employer)
        VALUES ('delete', old.id, old.title, old.summary, coalesce(old.employer, ''));
    END""",
    """CREATE TRIGGER IF NOT EXISTS item_fts_au AFTER UPDATE OF title, summary, employer ON item
    BEGIN
        INSERT INTO item_fts(item_fts, rowid, title, summary, employer)
        VALUES ('delete', old.id, old.title, old.summary, coalesce(old.employer, ''));
        INSERT INTO item_fts(rowid, title, summary, employer)
        VALUES (new.id, new.title, new.summary, coalesce(new.employer, ''));
    END""",
    "INSERT INTO item_fts(item_fts) VALUES ('rebuild')",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS item_fts_au",
    "DROP TRIGGER IF EXISTS item_fts_ad",
    "DROP TRIGGER IF EXISTS item_fts_ai",
    "DROP TABLE IF EXISTS item_fts",
]

_PG_UP = [
    """ALTER TABLE item ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(employer, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(summary, '')), 'C')
    ) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_item_search_tsv ON item USING gin (search_tsv)",
    # listings sort newest first with undated items last; a plain DESC index puts NULLs
    # first on PostgreSQL and cannot serve that order (SQLite's existing index can)
    """CREATE INDEX IF NOT EXISTS ix_item_status_kind_published_desc
        ON item (status, kind, published_at DESC NULLS LAST, id DESC)""",
]

_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_item_status_kind_published_desc",
    "DROP INDEX IF EXISTS ix_item_search_tsv",
    "ALTER TABLE item DROP COLUMN IF EXISTS search_tsv",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_UP, "postgresql": _PG_UP}.get(dialect, [])
    for sql in statements:
        op.execute(sql)
    # a plain CREATE INDEX (no batch table copy, which would drop the FTS triggers)
    op.create_index("ix_item_kind_status_closes", "item", ["kind", "status", "closes_at"])


def downgrade() -> None:
    op.drop_index("ix_item_kind_status_closes", table_name="item")
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE_DOWN, "postgresql": _PG_DOWN}.get(dialect, []):
        op.execute(sql)
