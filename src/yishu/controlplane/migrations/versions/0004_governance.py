"""Governance runs and verification tasks (核验任务).

A governance run builds one release; a verification task is a question sent to the grid worker
covering an address. Tasks live here, not in the release, because they change after the release
is built: a grid worker answers, and the answer becomes a delivery of the source 网格核验.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "govern_run",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(16), nullable=False),  # running / done / failed
        sa.Column("release_id", sa.Integer),
        sa.Column("authority_version", sa.Integer),
        sa.Column("deliveries", sa.Text, nullable=False),  # JSON list of delivery ids used
        sa.Column("summary", sa.Text),  # JSON
    )
    op.create_table(
        "verification_task",
        sa.Column("task_id", sa.String(64), primary_key=True),  # stable: hash of kind, entity, attribute
        sa.Column("kind", sa.String(16), nullable=False),  # conflict / address / link
        sa.Column("entity_type", sa.String(16)),
        sa.Column("entity_id", sa.String(64)),
        sa.Column("attribute", sa.String(64)),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("jurisdiction", sa.String(15)),
        sa.Column("question", sa.Text, nullable=False),  # JSON: candidates with their sources
        sa.Column("status", sa.String(16), nullable=False),  # open / answered / applied / closed
        sa.Column("first_release", sa.Integer),
        sa.Column("last_release", sa.Integer),
        sa.Column("answer", sa.Text),  # JSON: {"action": choose|enter|moved|deceased|not_found, "value": ...}
        sa.Column("answered_by", sa.String(100)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("delivery_id", sa.Integer),  # the 网格核验 delivery that carried the answer
    )
    op.create_index("ix_task_status_jurisdiction", "verification_task", ["status", "jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_task_status_jurisdiction", "verification_task")
    op.drop_table("verification_task")
    op.drop_table("govern_run")
