"""An index on item (kind, updated_at): a listing's Last-Modified is the newest change to
any item of its kind, listed or not (a rejected or retagged item leaves the listing and
its change must still count), read by one index lookup instead of a scan of every item.
A plain CREATE INDEX (a batch table copy on SQLite would drop the search triggers).

Revision ID: 0015_item_kind_updated
Revises: 0014_i14_item_indexes
"""

from __future__ import annotations

from alembic import op

revision = "0015_item_kind_updated"
down_revision = "0014_i14_item_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_item_kind_updated", "item", ["kind", "updated_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_item_kind_updated", table_name="item", if_exists=True)
