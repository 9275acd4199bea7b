"""Every change under the market figures moves their cache's stamp (kil_feed.web.figurecache),
whatever issued it (the CLI, the ORM, SQL by hand).

The stamp reads the items' newest `updated_at` (and `item_removal`) and, for notices, the
buyers' newest `updated_at` (migration 0018). Two changes moved neither: a deleted buyer
left no row (unless it was the newest, its notices kept their top-buyer link to a page
that was gone), and an UPDATE of an item that did not set `updated_at` (a script, SQL by
hand) left the figures counting the old values. Now:

- a DELETE on `buyer` writes `buyer_removal` (one row): per row on SQLite, once per
  statement on PostgreSQL (its transition table);
- an UPDATE of a column the figures read that changes it and leaves `updated_at` as it was
  moves `updated_at` to now (per row: after the update on SQLite, before it on
  PostgreSQL, as migration 0018 does for buyers). The application sets `updated_at` itself
  on its writes, which the trigger then leaves alone. `item_tag` mirrors `regions` and
  `topics`, so a change of its rows comes with a change of these.

Revision ID: 0023_figure_changes
Revises: 0022_notice_title_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kil_feed.timeutil

revision = "0023_figure_changes"
down_revision = "0022_notice_title_keys"
branch_labels = None
depends_on = None

# what kil_feed.storage.market and market_notices read of an item (JSON ones compared as text)
_COLUMNS = ("kind", "status", "guid", "title", "employer", "buyer_key", "contract_type",
            "pay_min", "pay_max", "pay_period", "ir35", "published_at", "collected_at",
            "closes_at", "cluster_id")  # fmt: skip
_JSON = ("regions", "extra")
_NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"  # as SQLAlchemy writes it (0017)


def _changed(old: str, new: str, distinct: str, text: str) -> str:
    parts = [f"{old}.{c} {distinct} {new}.{c}" for c in _COLUMNS]
    parts += [f"{old}.{c}{text} {distinct} {new}.{c}{text}" for c in _JSON]
    return " OR ".join(parts)


_OF = ", ".join(_COLUMNS + _JSON)
_SQLITE = [
    f"""CREATE TRIGGER buyer_removal_ad AFTER DELETE ON buyer BEGIN
        INSERT INTO buyer_removal (id, removed_at) VALUES (1, {_NOW_SQLITE})
        ON CONFLICT (id) DO UPDATE SET removed_at = excluded.removed_at;
    END""",
    f"""CREATE TRIGGER item_touch_au AFTER UPDATE OF {_OF} ON item
        WHEN new.updated_at IS old.updated_at AND ({_changed("old", "new", "IS NOT", "")})
        BEGIN
        UPDATE item SET updated_at = {_NOW_SQLITE} WHERE id = new.id;
    END""",
]
_POSTGRES = [
    """CREATE FUNCTION kil_buyer_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO buyer_removal (id, removed_at)
        SELECT 1, clock_timestamp() WHERE EXISTS (SELECT 1 FROM gone)
        ON CONFLICT (id) DO UPDATE
            SET removed_at = greatest(buyer_removal.removed_at, excluded.removed_at);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER buyer_removal_ad AFTER DELETE ON buyer
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION kil_buyer_removed()""",
    """CREATE FUNCTION kil_item_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.updated_at := clock_timestamp();
        RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER item_touch_bu BEFORE UPDATE OF {_OF} ON item FOR EACH ROW
        WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
              AND ({_changed("OLD", "NEW", "IS DISTINCT FROM", "::text")}))
        EXECUTE FUNCTION kil_item_touch()""",
]


def upgrade() -> None:
    op.create_table(
        "buyer_removal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("removed_at", kil_feed.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS item_touch_au")
        op.execute("DROP TRIGGER IF EXISTS buyer_removal_ad")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS item_touch_bu ON item")
        op.execute("DROP TRIGGER IF EXISTS buyer_removal_ad ON buyer")
        op.execute("DROP FUNCTION IF EXISTS kil_item_touch()")
        op.execute("DROP FUNCTION IF EXISTS kil_buyer_removed()")
    op.drop_table("buyer_removal")
