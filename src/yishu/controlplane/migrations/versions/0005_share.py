"""The share service: org units, users, sessions, API tokens, applications, decisions, grants and
the hash-chained audit log.

Audit records keep their time, query and entity ids as text exactly as they were hashed, so the
chain verifies byte for byte on SQLite and PostgreSQL alike. ``audit_head`` holds the last sequence
number and hash: appends lock it (one writer at a time across processes), and verification uses it
to notice records cut from the end of the chain.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_unit",
        sa.Column("org_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),  # bureau / department / township / community
        sa.Column("jurisdiction", sa.String(15)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("org_unit.org_id"), nullable=False),
        sa.Column("jurisdiction", sa.String(15), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "auth_session",
        sa.Column("session_hash", sa.String(64), primary_key=True),  # SHA-256 of the cookie value
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "api_token",
        sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256 of the secret
        sa.Column("scopes", sa.Text, nullable=False),  # JSON list
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "share_application",
        sa.Column("application_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("applicant_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
        sa.Column("resource_code", sa.String(64), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),  # JSON list of resource columns
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("duration_days", sa.Integer, nullable=False),
        sa.Column("unmask_fields", sa.Text, nullable=False),  # JSON list: masking lifted for these
        sa.Column("unmask_purpose", sa.Text),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_application_status", "share_application", ["status"])
    op.create_table(
        "share_decision",
        sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "application_id", sa.Integer, sa.ForeignKey("share_application.application_id"), nullable=False
        ),  # fmt: skip
        sa.Column("stage", sa.String(16), nullable=False),  # provider / bureau / applicant
        sa.Column("decision", sa.String(16), nullable=False),  # approve / reject / withdraw / revoke
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "share_grant",
        sa.Column("grant_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("share_application.application_id"),
            nullable=False,
            unique=True,
        ),  # fmt: skip
        sa.Column("grantee_id", sa.Integer, sa.ForeignKey("app_user.user_id"), nullable=False),
        sa.Column("resource_code", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),  # JSON list of resource columns
        sa.Column("unmasked_fields", sa.Text, nullable=False),  # JSON list
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("jurisdiction", sa.String(15), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.Integer, sa.ForeignKey("app_user.user_id")),
        sa.Column("revoke_reason", sa.Text),
    )
    op.create_index("ix_grant_grantee", "share_grant", ["grantee_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),  # ISO time as hashed
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(100)),
        sa.Column("grant_id", sa.Integer),
        sa.Column("purpose", sa.Text),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False),  # JSON as hashed
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("rows", sa.Integer),
        sa.Column("entity_ids", sa.Text, nullable=False),  # JSON as hashed
        sa.Column("release_id", sa.Integer),
        sa.Column("client", sa.String(64)),
        sa.Column("algorithm", sa.String(8), nullable=False),  # sm3 / sha256
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_actor", "audit_log", ["actor_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')"))


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_actor", "audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_grant_grantee", "share_grant")
    op.drop_table("share_grant")
    op.drop_table("share_decision")
    op.drop_index("ix_application_status", "share_application")
    op.drop_table("share_application")
    op.drop_table("api_token")
    op.drop_table("auth_session")
    op.drop_table("app_user")
    op.drop_table("org_unit")
