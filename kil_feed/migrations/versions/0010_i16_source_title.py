"""Source display titles (issue #16): what email, web, feeds and the CLI show for a source.

Revision ID: 0007_i16_source_title
Revises: 0009_i17_headline
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_i16_source_title"
down_revision = "0009_i17_headline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.add_column(
            sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("title")
