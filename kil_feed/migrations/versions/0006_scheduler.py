"""Scheduler (issue #7): job run log, once-per-week claims, leader lock, APScheduler's store.

`apscheduler_jobs` has the layout APScheduler 3's SQLAlchemyJobStore expects (it would
create it itself; creating it here keeps the whole schema in migrations).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kil_feed.timeutil

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = kil_feed.timeutil.UTCDateTime(timezone=True)
_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", _STR(length=40), nullable=False),
        sa.Column("status", _STR(length=20), nullable=False),
        sa.Column("detail", _STR(), nullable=False),
        sa.Column("owner", _STR(length=200), nullable=False),
        sa.Column("scheduled_for", _TS, nullable=True),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_run_job"), ["job"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_run_started_at"), ["started_at"], unique=False)

    op.create_table(
        "job_week_claim",
        sa.Column("job", _STR(length=40), nullable=False),
        sa.Column("week", _STR(length=10), nullable=False),
        sa.Column("owner", _STR(length=200), nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.Column("status", _STR(length=20), nullable=False),
        sa.PrimaryKeyConstraint("job", "week"),
    )
    op.create_table(
        "scheduler_lock",
        sa.Column("name", _STR(length=40), nullable=False),
        sa.Column("owner", _STR(length=200), nullable=False),
        sa.Column("acquired_at", _TS, nullable=False),
        sa.Column("heartbeat_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("apscheduler_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_apscheduler_jobs_next_run_time", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("scheduler_lock")
    op.drop_table("job_week_claim")
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_run_started_at"))
        batch_op.drop_index(batch_op.f("ix_job_run_job"))
    op.drop_table("job_run")
