"""Procurement notices (issue #15): a per-source checkpoint for paged, windowed APIs.

`source.checkpoint` (JSON) holds how far a notices source has been read: the end of the
last completed date window, or the window in progress and the cursor of its next page,
so a crawl that dies mid-pagination resumes where it stopped and never skips a window.

Revision ID: 0007_i15_notices
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_i15_notices"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkpoint", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("checkpoint")
