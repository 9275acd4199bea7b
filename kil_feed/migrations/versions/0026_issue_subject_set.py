"""Issue `subject_set`: whether an editor set the subject (`kil issue edit --subject`).

A built subject (the week and the lead story's title) follows its lead story until the
issue is sent: its title edited, another story moved to the top (newsletter.subject). An
editor's subject stays. Before this column a build told them apart by comparing the stored
subject with the one the old placements gave, which a later edit of the lead's title
defeated: the subject kept the old title. Existing issues get NULL (not known): the next
build decides for a draft as builds did, by that comparison.

Revision ID: 0026_issue_subject_set
Revises: 0025_buyer_insertion
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_issue_subject_set"
down_revision = "0025_buyer_insertion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_set", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_column("subject_set")
