"""Drop three item indexes that others already cover (issue #14: cheaper crawl inserts).

`ix_item_source_id` (source_id) is the first column of the (source_id, url) unique
index, `ix_item_status` (status) of `ix_item_status_kind_published`, `ix_item_kind` (kind)
of `ix_item_kind_status_closes`: every lookup they served the wider index serves, and
each insert of a crawled item paid for all three. Plain DROP/CREATE INDEX (a batch table
copy on SQLite would drop the search triggers).

Revision ID: 0014_i14_item_indexes
Revises: 0013_i14a_robots_txt
"""

from __future__ import annotations

from alembic import op

revision = "0014_i14_item_indexes"
down_revision = "0013_i14a_robots_txt"
branch_labels = None
depends_on = None

# index -> its column, and the wider index that starts with that column
REDUNDANT = {
    "ix_item_source_id": "source_id",  # uq_item_source_url (source_id, url)
    "ix_item_status": "status",  # ix_item_status_kind_published
    "ix_item_kind": "kind",  # ix_item_kind_status_closes
}


def upgrade() -> None:
    for name in REDUNDANT:
        op.drop_index(name, table_name="item", if_exists=True)


def downgrade() -> None:
    for name, column in REDUNDANT.items():
        op.create_index(name, "item", [column], if_not_exists=True)
