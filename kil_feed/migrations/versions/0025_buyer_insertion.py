"""When a buyer was last inserted, for `/buyers`' Last-Modified, whatever inserted it (the
ingest, a script, SQL by hand, a restore).

`/buyers` lists buyers with a published item, and its Last-Modified read the items' and
the buyers' newest `updated_at` (and `item_removal`, `buyer_removal`). A buyer inserted
with an `updated_at` of its own older than the newest (a script copying buyers in, dated
when it made them) joined its items already stored and moved the page's ETag (a digest of
the body) but not its Last-Modified, so an If-Modified-Since poller got a 304 and the list
without it. A trigger on `buyer` writes `buyer_insertion` (one row) on every INSERT: per row
on SQLite (the time as SQLAlchemy writes it), once per statement on PostgreSQL (its
transition table), as `buyer_removal` for deletes (migration 0023).

Revision ID: 0025_buyer_insertion
Revises: 0024_subscriber_topics
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kil_feed.timeutil

revision = "0025_buyer_insertion"
down_revision = "0024_subscriber_topics"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE TRIGGER buyer_insertion_ai AFTER INSERT ON buyer BEGIN
        INSERT INTO buyer_insertion (id, inserted_at)
        VALUES (1, strftime('%Y-%m-%d %H:%M:%f000', 'now'))
        ON CONFLICT (id) DO UPDATE SET inserted_at = excluded.inserted_at;
    END""",
]
_POSTGRES = [
    """CREATE FUNCTION kil_buyer_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO buyer_insertion (id, inserted_at)
        SELECT 1, clock_timestamp() WHERE EXISTS (SELECT 1 FROM added)
        ON CONFLICT (id) DO UPDATE
            SET inserted_at = greatest(buyer_insertion.inserted_at, excluded.inserted_at);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER buyer_insertion_ai AFTER INSERT ON buyer
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT
        EXECUTE FUNCTION kil_buyer_inserted()""",
]


def upgrade() -> None:
    op.create_table(
        "buyer_insertion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inserted_at", kil_feed.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS buyer_insertion_ai")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS buyer_insertion_ai ON buyer")
        op.execute("DROP FUNCTION IF EXISTS kil_buyer_inserted()")
    op.drop_table("buyer_insertion")
