"""Issue headline (issue #17): the web page's title, the subject before it was cut to fit.

Revision ID: 0008_i17_headline
Revises: 0007_i18_rate_limit
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_i17_headline"
down_revision = "0007_i18_rate_limit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "headline", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_column("headline")
