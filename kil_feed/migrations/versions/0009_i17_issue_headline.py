"""Issue headline (issue #17): the web page's title, the subject before it was cut to fit.

Revision ID: 0009_i17_headline
Revises: 0008_i19_send_leases
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_i17_headline"
down_revision = "0008_i19_send_leases"
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
