"""The catalogue: data elements, resources, fields, versioned authority map, confirmed column mappings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_element",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("standard", sa.Text),
        sa.Column("codelist", sa.String(64)),
        sa.Column("check_python", sa.String(200)),
        sa.Column("check_sql", sa.String(64)),
        sa.Column("check_normalise", sa.String(64)),
        sa.Column("classification", sa.String(16), nullable=False),
        sa.Column("personal", sa.String(16), nullable=False),
        sa.Column("grade", sa.String(4), nullable=False),
        sa.Column("masking", sa.String(16), nullable=False),
        sa.Column("synonyms", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
    )
    op.create_table(
        "catalogue_resource",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(100), nullable=False, unique=True),
        sa.Column("provider", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("update_cycle", sa.String(16), nullable=False),
        sa.Column("share_type", sa.String(16), nullable=False),
        sa.Column("share_basis", sa.Text),
        sa.Column("open_type", sa.String(16), nullable=False),
        sa.Column("open_basis", sa.Text),
        sa.Column("release_date", sa.String(10), nullable=False),
        sa.Column("related", sa.Text, nullable=False),
        sa.Column("declared_grade", sa.String(4)),
        sa.Column("grade", sa.String(4), nullable=False),
        sa.Column("personal", sa.String(16), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
    )
    op.create_table(
        "catalogue_field",
        sa.Column("resource_code", sa.String(64), sa.ForeignKey("catalogue_resource.code"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("column_name", sa.String(200), nullable=False),
        sa.Column("element_id", sa.String(64), sa.ForeignKey("catalogue_element.id"), nullable=False),
        sa.Column("attribute", sa.String(100)),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("personal", sa.String(16), nullable=False),
        sa.Column("grade", sa.String(4), nullable=False),
        sa.Column("masking", sa.String(16), nullable=False),
        sa.Column("graded_by", sa.Text, nullable=False),
    )
    op.create_table(
        "authority_version",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("content", sa.Text, nullable=False),
    )
    op.create_table(
        "column_mapping",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("column_name", sa.String(200), primary_key=True),
        sa.Column("element_id", sa.String(64), nullable=False),
        sa.Column("attribute", sa.String(100)),
        sa.Column("confirmed_by", sa.String(100), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "column_mapping",
        "authority_version",
        "catalogue_field",
        "catalogue_resource",
        "catalogue_element",
    ):
        op.drop_table(table)
