"""Portal users who sign documents: their full name and the roles they sign as (the approval matrix's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ns_users") as batch:
        batch.add_column(sa.Column("full_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("signs_as", sa.Text, nullable=True))  # JSON list of role names


def downgrade() -> None:
    with op.batch_alter_table("ns_users") as batch:
        batch.drop_column("signs_as")
        batch.drop_column("full_name")
