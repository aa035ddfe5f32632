"""Deliveries: every file or table a source delivered, immutable, with its row accounting.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery",
        sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("encoding", sa.String(16)),
        sa.Column("delimiter", sa.String(4)),
        sa.Column("header_row", sa.Integer),
        sa.Column("columns", sa.Text, nullable=False),
        sa.Column("rows_in", sa.BigInteger, nullable=False),
        sa.Column("rows_landed", sa.BigInteger, nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
        sa.Column("stored_path", sa.Text, nullable=False),
        sa.Column("landed_path", sa.Text, nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "sha256", name="uq_delivery_source_sha256"),
    )
    op.create_table(
        "delivery_file",
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("delivery.delivery_id"), primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("first_row", sa.BigInteger, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_file")
    op.drop_table("delivery")
