"""The public chatbot's anonymous log of declined questions, for the content team.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ns_chat_declined",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("question_enc", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_ns_chat_declined_day", "ns_chat_declined", ["day"])


def downgrade() -> None:
    op.drop_index("ix_ns_chat_declined_day", table_name="ns_chat_declined")
    op.drop_table("ns_chat_declined")
