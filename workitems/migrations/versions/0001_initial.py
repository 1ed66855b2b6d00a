"""The first schema: queues, items, files, history, meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ns_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "ns_queues",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "ns_items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("payload_enc", sa.LargeBinary, nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("parent_id", Id),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("available_at", sa.Float, nullable=False),
        sa.Column("not_before", sa.Float),
        sa.Column("deadline", sa.Float),
        sa.Column("lease_expires_at", sa.Float),
        sa.Column("worker", sa.String(200)),
        sa.Column("exc_type", sa.String(16)),
        sa.Column("exc_code", sa.String(200)),
        sa.Column("exc_message_enc", sa.LargeBinary),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("queue", "reference", name="uq_ns_items_queue_reference"),
    )
    op.create_index(
        "ix_ns_items_claim", "ns_items", ["queue", "state", sa.text("priority DESC"), "id"]
    )
    op.create_index("ix_ns_items_lease", "ns_items", ["state", "lease_expires_at"])
    op.create_index("ix_ns_items_queue_id", "ns_items", ["queue", "id"])
    op.create_index("ix_ns_items_parent", "ns_items", ["parent_id"])
    op.create_table(
        "ns_files",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, sa.ForeignKey("ns_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name_digest", sa.String(64), nullable=False),
        sa.Column("name_enc", sa.LargeBinary, nullable=False),
        sa.Column("blob", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("item_id", "name_digest", name="uq_ns_files_item_name"),
    )
    op.create_table(
        "ns_history",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("detail_enc", sa.LargeBinary),
    )
    op.create_index("ix_ns_history_item", "ns_history", ["item_id", "id"])


def downgrade() -> None:
    for name in ("ns_history", "ns_files", "ns_items", "ns_queues", "ns_meta"):
        op.drop_table(name)
