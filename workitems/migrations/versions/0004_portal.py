"""The portal's people (users and roles, failed sign-ins) and its audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ns_users",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False),
    )
    op.create_table(
        "ns_login_failures",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_ns_login_failures_name", "ns_login_failures", ["name", "at"])
    op.create_table(
        "ns_audit",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("detail_enc", sa.LargeBinary),
    )
    op.create_index("ix_ns_audit_at", "ns_audit", ["at"])


def downgrade() -> None:
    op.drop_index("ix_ns_audit_at", table_name="ns_audit")
    op.drop_table("ns_audit")
    op.drop_index("ix_ns_login_failures_name", table_name="ns_login_failures")
    op.drop_table("ns_login_failures")
    op.drop_table("ns_users")
