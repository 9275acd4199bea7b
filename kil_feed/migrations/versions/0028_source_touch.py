"""A source's `updated_at` moves when its name or title changes, whatever issued the
UPDATE (the ORM, SQL by hand, a crawl naming it), for the listings' ETag.

The listings (/news, /jobs, /notices and their JSON twins, /api/search) show each item's
source name or display title, read from the sources table: a rename wrote no item, so
their stamp (`kil_feed.storage.web.listing_version`) stayed put and a client revalidating
was answered 304 with the old name. The stamp now counts the sources' newest
`updated_at` (one lookup on the index made here). Only the shown columns move it: a crawl
rewrites its health columns on every source each time, and must not move every listing.

The trigger is 0018's (buyer) and 0023's (item) made over `source`: per row after the
update on SQLite (the time as SQLAlchemy writes it), before it on PostgreSQL with 0023's
function, unless the statement set `updated_at` itself.

Revision ID: 0028_source_touch
Revises: 0027_item_listing_touch
"""

from __future__ import annotations

from alembic import op

revision = "0028_source_touch"
down_revision = "0027_item_listing_touch"
branch_labels = None
depends_on = None

_SHOWN = ("name", "title")  # what a listing shows of a source (`source_display_name`)
_NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"  # as SQLAlchemy writes it (0017)
_OF = ", ".join(_SHOWN)
_SQLITE = [
    f"""CREATE TRIGGER source_touch_au AFTER UPDATE OF {_OF} ON source
        WHEN new.updated_at IS old.updated_at
             AND ({" OR ".join(f"old.{c} IS NOT new.{c}" for c in _SHOWN)})
        BEGIN
        UPDATE source SET updated_at = {_NOW_SQLITE} WHERE id = new.id;
    END""",
]
_POSTGRES = [
    f"""CREATE TRIGGER source_touch_bu BEFORE UPDATE OF {_OF} ON source FOR EACH ROW
        WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
              AND ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _SHOWN)}))
        EXECUTE FUNCTION kil_item_touch()""",  # made by 0023: sets NEW.updated_at
]


def upgrade() -> None:
    op.create_index("ix_source_updated_at", "source", ["updated_at"], if_not_exists=True)
    dialect = op.get_bind().dialect.name
    for sql in {"sqlite": _SQLITE, "postgresql": _POSTGRES}.get(dialect, []):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS source_touch_au")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS source_touch_bu ON source")
    op.drop_index("ix_source_updated_at", table_name="source", if_exists=True)
