"""robots.txt kept between crawls (issue #14): one row per origin, reused for up to
`[crawl] robots_cache_hours` (RFC 9309 §2.4 allows 24 hours).

Revision ID: 0013_i14a_robots_txt
Revises: 0012_i20a_market_snapshot
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0013_i14a_robots_txt"
down_revision = "0012_i20a_market_snapshot"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "robots_txt",
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fetched_at", kil_feed.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("origin"),
    )
    op.create_index(op.f("ix_robots_txt_fetched_at"), "robots_txt", ["fetched_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_robots_txt_fetched_at"), table_name="robots_txt")
    op.drop_table("robots_txt")
