"""Procurement notices (issue #15): source checkpoints, buyers, items' buyer key.

`source.checkpoint` (JSON) holds how far a notices source has been read: the end of the
last completed date window, or the window in progress and the cursor of its next page,
so a crawl that dies mid-pagination resumes where it stopped and never skips a window.

Revision ID: 0009_i15_notices
Revises: 0007_i16_source_title
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0009_i15_notices"
down_revision = "0007_i16_source_title"
branch_labels = None
depends_on = None


_TS = kil_feed.timeutil.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkpoint", sa.JSON(), nullable=True))
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_key", _STR(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_item_buyer_key"), ["buyer_key"], unique=False)
    op.create_table(
        "buyer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", _STR(length=200), nullable=False),
        sa.Column("slug", _STR(length=200), nullable=False),
        sa.Column("name", _STR(length=300), nullable=False),
        sa.Column("scheme", _STR(length=40), nullable=True),
        sa.Column("identifier", _STR(length=200), nullable=True),
        sa.Column("buyer_type", _STR(length=40), nullable=True),
        sa.Column("region", _STR(length=40), nullable=True),
        sa.Column("la_code", _STR(length=10), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buyer_identifier"), ["identifier"], unique=False)


def downgrade() -> None:
    op.drop_table("buyer")
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_buyer_key"))
        batch_op.drop_column("buyer_key")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("checkpoint")
