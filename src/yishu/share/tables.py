"""The share service's control-plane tables (created by migration 0005), as SQLAlchemy Core."""

from __future__ import annotations

import sqlalchemy as sa

meta = sa.MetaData()
TZ = sa.DateTime(timezone=True)

org_unit = sa.Table(
    "org_unit", meta,
    sa.Column("org_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200)), sa.Column("kind", sa.String(16)),
    sa.Column("jurisdiction", sa.String(15)), sa.Column("created_at", TZ),
)  # fmt: skip
app_user = sa.Table(
    "app_user", meta,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100)), sa.Column("role", sa.String(32)), sa.Column("org_id", sa.Integer),
    sa.Column("jurisdiction", sa.String(15)), sa.Column("password_hash", sa.String(200)),
    sa.Column("failed_logins", sa.Integer), sa.Column("locked_until", TZ),
    sa.Column("disabled", sa.Boolean), sa.Column("created_at", TZ),
)  # fmt: skip
auth_session = sa.Table(
    "auth_session", meta,
    sa.Column("session_hash", sa.String(64), primary_key=True), sa.Column("user_id", sa.Integer),
    sa.Column("created_at", TZ), sa.Column("expires_at", TZ), sa.Column("revoked_at", TZ),
)  # fmt: skip
api_token = sa.Table(
    "api_token", meta,
    sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer), sa.Column("name", sa.String(100)), sa.Column("token_hash", sa.String(64)),
    sa.Column("scopes", sa.Text), sa.Column("created_at", TZ), sa.Column("expires_at", TZ),
    sa.Column("revoked_at", TZ),
)  # fmt: skip
application = sa.Table(
    "share_application", meta,
    sa.Column("application_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("applicant_id", sa.Integer), sa.Column("resource_code", sa.String(64)),
    sa.Column("fields", sa.Text), sa.Column("purpose", sa.Text), sa.Column("legal_basis", sa.Text),
    sa.Column("duration_days", sa.Integer), sa.Column("unmask_fields", sa.Text),
    sa.Column("unmask_purpose", sa.Text), sa.Column("status", sa.String(24)),
    sa.Column("created_at", TZ), sa.Column("updated_at", TZ),
)  # fmt: skip
decision = sa.Table(
    "share_decision", meta,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.Integer), sa.Column("stage", sa.String(16)),
    sa.Column("decision", sa.String(16)), sa.Column("reason", sa.Text), sa.Column("decided_by", sa.Integer),
    sa.Column("decided_at", TZ),
)  # fmt: skip
grant = sa.Table(
    "share_grant", meta,
    sa.Column("grant_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("application_id", sa.Integer), sa.Column("grantee_id", sa.Integer),
    sa.Column("resource_code", sa.String(64)), sa.Column("entity_type", sa.String(16)),
    sa.Column("fields", sa.Text), sa.Column("unmasked_fields", sa.Text), sa.Column("purpose", sa.Text),
    sa.Column("jurisdiction", sa.String(15)), sa.Column("granted_at", TZ), sa.Column("expires_at", TZ),
    sa.Column("revoked_at", TZ), sa.Column("revoked_by", sa.Integer), sa.Column("revoke_reason", sa.Text),
)  # fmt: skip
audit_log = sa.Table(
    "audit_log", meta,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40)), sa.Column("actor_id", sa.Integer), sa.Column("actor_name", sa.String(100)),
    sa.Column("grant_id", sa.Integer), sa.Column("purpose", sa.Text), sa.Column("method", sa.String(8)),
    sa.Column("endpoint", sa.Text), sa.Column("query", sa.Text), sa.Column("status", sa.Integer),
    sa.Column("rows", sa.Integer), sa.Column("entity_ids", sa.Text), sa.Column("release_id", sa.Integer),
    sa.Column("client", sa.String(64)), sa.Column("algorithm", sa.String(8)),
    sa.Column("prev_hash", sa.String(64)), sa.Column("hash", sa.String(64)),
)  # fmt: skip
audit_head = sa.Table(
    "audit_head", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger), sa.Column("hash", sa.String(64)),
)  # fmt: skip


def aware(value):
    """SQLite hands back naive datetimes for what was stored as UTC; make them aware again."""
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def when(value):
    """A time read back by a raw driver query: SQLite gives text, PostgreSQL a datetime."""
    from datetime import datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value)


class Prepared:
    """A Core statement compiled once per dialect and run with ``exec_driver_sql``: the hot reads
    of every request (token, grant) skip SQLAlchemy's per-call compile and cache-key work.
    Results are the driver's raw values (see ``when``)."""

    def __init__(self, stmt):
        self.stmt = stmt
        self._compiled: dict[str, tuple[str, tuple | None]] = {}

    def execute(self, conn: sa.Connection, **params):
        entry = self._compiled.get(conn.dialect.name)
        if entry is None:
            compiled = self.stmt.compile(dialect=conn.dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            entry = self._compiled[conn.dialect.name] = (str(compiled), order)
        sql, order = entry
        return conn.exec_driver_sql(sql, tuple(params[k] for k in order) if order else params)
