"""Automation bids: the bids, their attachments, and their comments and state changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ns_bids",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description_enc", sa.LargeBinary),
        sa.Column("systems", sa.Text, nullable=False),
        sa.Column("volume_per_month", sa.Float),
        sa.Column("minutes_per_case", sa.Float),
        sa.Column("rules_pct", sa.Float),
        sa.Column("structured_pct", sa.Float),
        sa.Column("changes_per_year", sa.Float),
        sa.Column("error_pct", sa.Float),
        sa.Column("peaks_enc", sa.LargeBinary),
        sa.Column("data", sa.String(16)),
        sa.Column("build_days", sa.Float),
        sa.Column("process", sa.String(200)),
        sa.Column("live_since", sa.Float),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("submitted_at", sa.Float),
    )
    op.create_index("ix_ns_bids_state", "ns_bids", ["state", "team"])
    op.create_table(
        "ns_bid_files",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("bid_id", _Id, sa.ForeignKey("ns_bids.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name_enc", sa.LargeBinary, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("content_enc", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_ns_bid_files_bid", "ns_bid_files", ["bid_id"])
    op.create_table(
        "ns_bid_events",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("bid_id", _Id, sa.ForeignKey("ns_bids.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("text_enc", sa.LargeBinary),
    )
    op.create_index("ix_ns_bid_events_bid", "ns_bid_events", ["bid_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_ns_bid_events_bid", table_name="ns_bid_events")
    op.drop_table("ns_bid_events")
    op.drop_index("ix_ns_bid_files_bid", table_name="ns_bid_files")
    op.drop_table("ns_bid_files")
    op.drop_index("ix_ns_bids_state", table_name="ns_bids")
    op.drop_table("ns_bids")
