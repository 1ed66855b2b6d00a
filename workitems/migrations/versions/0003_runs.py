"""Run history: one row per run of a process (and per schedule fire skipped or
missed), one per step.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ns_runs",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("process", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("schedule", sa.String(200)),
        sa.Column("scheduled_for", sa.Float),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("request_item_id", _Id),
        sa.Column("machine", sa.String(200)),
        sa.Column("worker", sa.String(200)),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("exit_code", sa.Integer),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("business_failures", sa.Integer, nullable=False),
        sa.Column("application_failures", sa.Integer, nullable=False),
        sa.Column("artifacts", sa.Text),
        sa.UniqueConstraint("schedule", "scheduled_for", "attempt", name="uq_ns_runs_fire"),
    )
    op.create_index("ix_ns_runs_process", "ns_runs", ["process", "requested_at"])
    op.create_index("ix_ns_runs_status", "ns_runs", ["status"])
    op.create_table(
        "ns_run_steps",
        sa.Column("run_id", sa.String(120), sa.ForeignKey("ns_runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("n", sa.Integer, primary_key=True),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exit_code", sa.Integer),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("items_in", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("business_failures", sa.Integer, nullable=False),
        sa.Column("application_failures", sa.Integer, nullable=False),
        sa.Column("tasks_passed", sa.Integer, nullable=False),
        sa.Column("tasks_failed", sa.Integer, nullable=False),
        sa.Column("workers", sa.Integer, nullable=False),
        sa.Column("artifacts", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("ns_run_steps")
    op.drop_index("ix_ns_runs_status", table_name="ns_runs")
    op.drop_index("ix_ns_runs_process", table_name="ns_runs")
    op.drop_table("ns_runs")
