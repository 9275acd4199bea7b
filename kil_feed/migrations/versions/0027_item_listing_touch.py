"""An item's `updated_at` moves on an UPDATE of any column a public listing or feed shows,
whatever issued it (the CLI, the ORM, SQL by hand), for the listings' ETag.

/news, /jobs and /notices take their ETag from what they are made of, known before they
render (`kil_feed.storage.web.listing_version`), instead of a digest of the rendered body:
the items' newest `updated_at` stands for every row. Migration 0023's trigger moved it for
the columns the market figures read; a listing also shows an item's summary, URL, source,
topics, location and featured mark (a feed its body), and an UPDATE of one of
them that left `updated_at` alone (a script, a fix by hand) kept the old ETag, so a client
was answered 304 with the page as it was. The trigger is made again over them all; the
application sets `updated_at` itself on its writes, which the trigger then leaves alone.

Revision ID: 0027_item_listing_touch
Revises: 0026_issue_subject_set
"""

from __future__ import annotations

from alembic import op

revision = "0027_item_listing_touch"
down_revision = "0026_issue_subject_set"
branch_labels = None
depends_on = None

# migration 0023's columns (what the market figures read), JSON ones compared as text
_FIGURES = ("kind", "status", "guid", "title", "employer", "buyer_key", "contract_type",
            "pay_min", "pay_max", "pay_period", "ir35", "published_at", "collected_at",
            "closes_at", "cluster_id")  # fmt: skip
_LISTINGS = ("summary", "url", "source_id", "location", "featured", "body_html")
_JSON_FIGURES = ("regions", "extra")
_JSON_LISTINGS = ("topics",)
_NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"  # as SQLAlchemy writes it (0017)


def _triggers(columns: tuple[str, ...], json: tuple[str, ...], dialect: str) -> list[str]:
    of = ", ".join(columns + json)
    if dialect == "sqlite":
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns + json)
        return [
            "DROP TRIGGER IF EXISTS item_touch_au",
            f"""CREATE TRIGGER item_touch_au AFTER UPDATE OF {of} ON item
                WHEN new.updated_at IS old.updated_at AND ({changed})
                BEGIN
                UPDATE item SET updated_at = {_NOW_SQLITE} WHERE id = new.id;
            END""",
        ]
    if dialect == "postgresql":
        parts = [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns]
        parts += [f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text" for c in json]
        return [
            "DROP TRIGGER IF EXISTS item_touch_bu ON item",
            f"""CREATE TRIGGER item_touch_bu BEFORE UPDATE OF {of} ON item FOR EACH ROW
                WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
                      AND ({" OR ".join(parts)}))
                EXECUTE FUNCTION kil_item_touch()""",  # made by 0023
        ]
    return []


def upgrade() -> None:
    columns, json = _FIGURES + _LISTINGS, _JSON_FIGURES + _JSON_LISTINGS
    for sql in _triggers(columns, json, op.get_bind().dialect.name):
        op.execute(sql)


def downgrade() -> None:
    for sql in _triggers(_FIGURES, _JSON_FIGURES, op.get_bind().dialect.name):
        op.execute(sql)
