"""Send workers (issue #19): leases on delivery rows and the state senders share.

Revision ID: 0008_i19_send_leases
Revises: 0007_i18_rate_limit
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0008_i19_send_leases"
down_revision = "0007_i18_rate_limit"
branch_labels = None
depends_on = None

_TS = kil_feed.timeutil.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", _STR(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", _TS, nullable=True))
    op.create_table(
        "send_state",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=True),
        sa.Column("rate_next_at", _TS, nullable=True),
        sa.Column("attempted", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("paused_reason", _STR(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issue_id"),
    )


def downgrade() -> None:
    op.drop_table("send_state")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
