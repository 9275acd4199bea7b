"""Market pulse snapshots (issue #20): what a sent issue's email said about the market.

One row per issue and region set, written once when the send begins and never updated:
the sentences, the chart's weekly series and the PNG, so a sent issue's figures stay
what its readers saw.

Revision ID: 0012_i20a_market_snapshot
Revises: 0009_i15_notices
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0012_i20a_market_snapshot"
down_revision = "0009_i15_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("region_key", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", kil_feed.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issue_id", "region_key", name="uq_market_snapshot_issue_regions"),
    )


def downgrade() -> None:
    op.drop_table("market_snapshot")
