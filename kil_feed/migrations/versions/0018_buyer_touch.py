"""A buyer's `updated_at` moves on every change to its row, for the market figures' cache:
the top buyers on `/market` show buyers' names, and a rename (by the CLI, the ORM or SQL by
hand) wrote nothing the cache's stamp read, so the old name stayed until a notice changed.

A trigger sets it whatever issued the UPDATE (unless the statement set it itself): per row
after the update on SQLite (the time as SQLAlchemy writes it: naive UTC with microseconds;
recursive triggers are off, and the WHEN stops a second pass anyway), before it on
PostgreSQL. An index on it makes the newest change one lookup.

Revision ID: 0018_buyer_touch
Revises: 0017_item_removal
"""

from __future__ import annotations

from alembic import op

revision = "0018_buyer_touch"
down_revision = "0017_item_removal"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE TRIGGER buyer_touch_au AFTER UPDATE ON buyer
        WHEN new.updated_at IS old.updated_at BEGIN
        UPDATE buyer SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now')
        WHERE id = new.id;
    END""",
]
_POSTGRES = [
    """CREATE FUNCTION kil_buyer_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
            NEW.updated_at := clock_timestamp();
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER buyer_touch_bu BEFORE UPDATE ON buyer
        FOR EACH ROW EXECUTE FUNCTION kil_buyer_touch()""",
]


def upgrade() -> None:
    op.create_index("ix_buyer_updated_at", "buyer", ["updated_at"], if_not_exists=True)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS buyer_touch_au")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS buyer_touch_bu ON buyer")
        op.execute("DROP FUNCTION IF EXISTS kil_buyer_touch()")
    op.drop_index("ix_buyer_updated_at", table_name="buyer", if_exists=True)
