"""When items of each kind were last deleted, for listings' Last-Modified: `kil sources
remove` deletes a source's items, and a deleted row leaves no `updated_at` to move, so a
feed's Last-Modified stayed put and If-Modified-Since got a 304 for the stale feed.

A trigger on `item` writes `item_removal` on every DELETE, whatever issued it (the CLI, the
ORM, SQL by hand, a cascade): per row on SQLite (the time as SQLAlchemy writes it: naive
UTC with microseconds), once per statement on PostgreSQL (its transition table).

Revision ID: 0017_item_removal
Revises: 0016_search_porter
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0017_item_removal"
down_revision = "0016_search_porter"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE TRIGGER item_removal_ad AFTER DELETE ON item BEGIN
        INSERT INTO item_removal (kind, removed_at)
        VALUES (old.kind, strftime('%Y-%m-%d %H:%M:%f000', 'now'))
        ON CONFLICT (kind) DO UPDATE SET removed_at = excluded.removed_at;
    END""",
]
_POSTGRES = [
    """CREATE FUNCTION kil_item_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        at timestamptz := clock_timestamp();
    BEGIN
        INSERT INTO item_removal (kind, removed_at)
        SELECT DISTINCT kind, at FROM gone
        ON CONFLICT (kind) DO UPDATE
            SET removed_at = greatest(item_removal.removed_at, excluded.removed_at);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER item_removal_ad AFTER DELETE ON item
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION kil_item_removed()""",
]


def upgrade() -> None:
    op.create_table(
        "item_removal",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("removed_at", kil_feed.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(
        "DROP TRIGGER IF EXISTS item_removal_ad" + (" ON item" if dialect != "sqlite" else "")
    )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kil_item_removed()")
    op.drop_table("item_removal")
