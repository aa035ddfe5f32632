"""Login with lockout, console sessions and API tokens.

A session is a random cookie value; a token is ``ys_`` and a random secret. Only their SHA-256
is stored (they are 256-bit random values, so a fast hash is enough; passwords get Argon2id).
Tokens carry scopes and an expiry; sessions carry every scope of the user's role.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from yishu.share.errors import ShareError
from yishu.share.tables import Prepared, api_token, app_user, auth_session, aware, when
from yishu.share.users import User, get_user, password_matches

SCOPES = {
    "data": "read data through the caller's grants",
    "apply": "make, read and withdraw applications",
    "approve": "decide applications and revoke grants",
    "admin": "manage users and org units",
    "audit": "read the audit log",
}
TOKEN_PREFIX = "ys_"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def login(engine: sa.Engine, name: str, password: str, *, max_failures: int = 5, lockout_minutes: int = 15,
          now: datetime | None = None) -> User:  # fmt: skip
    """The user if name and password match; counts failures and locks the account after
    ``max_failures`` in a row. The same error for an unknown name and a wrong password."""
    now = now or datetime.now(UTC)
    bad = ShareError("auth.invalid_credentials", "name or password is wrong", "auth.credentials", 401)
    with engine.connect() as conn:
        row = conn.execute(sa.select(app_user).where(app_user.c.name == name)).first()
    if row is None:
        password_matches(None, password)  # the same work as for a real user
        raise bad
    locked_until = aware(row.locked_until)
    if locked_until is not None and locked_until > now:
        raise ShareError("auth.locked", "the account is locked after repeated failed logins; try again later",
                         "auth.lockout", 423)  # fmt: skip
    if row.disabled or not password_matches(row.password_hash, password):
        with engine.begin() as conn:
            failures = (row.failed_logins or 0) + 1
            values = {"failed_logins": failures}
            if failures >= max_failures:
                values = {"failed_logins": 0, "locked_until": now + timedelta(minutes=lockout_minutes)}
            conn.execute(sa.update(app_user).where(app_user.c.user_id == row.user_id).values(**values))
        raise bad
    with engine.begin() as conn:
        if row.failed_logins or row.locked_until is not None:
            conn.execute(sa.update(app_user).where(app_user.c.user_id == row.user_id)
                         .values(failed_logins=0, locked_until=None))  # fmt: skip
        return get_user(conn, row.user_id)


def create_session(engine: sa.Engine, user_id: int, hours: int = 8) -> str:
    value = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.insert(auth_session).values(session_hash=_sha256(value), user_id=user_id, created_at=now,
                                                    expires_at=now + timedelta(hours=hours)))  # fmt: skip
    return value


def end_session(engine: sa.Engine, value: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(auth_session).where(auth_session.c.session_hash == _sha256(value))
                     .values(revoked_at=datetime.now(UTC)))  # fmt: skip


def session_user(conn: sa.Connection, value: str, now: datetime | None = None) -> User:
    now = now or datetime.now(UTC)
    row = conn.execute(sa.select(auth_session).where(auth_session.c.session_hash == _sha256(value))).first()
    if row is None or row.revoked_at is not None or aware(row.expires_at) <= now:
        raise ShareError("auth.session_invalid", "the session is unknown, ended or expired; log in again",
                         "auth.session", 401)  # fmt: skip
    user = get_user(conn, row.user_id)
    if user is None or user.disabled:
        raise ShareError("auth.session_invalid", "the session's account is disabled", "auth.session", 401)
    return user


def create_token(engine: sa.Engine, user_id: int, name: str, scopes: list[str], days: int,
                 max_days: int = 90) -> dict:  # fmt: skip
    """A new API token; the secret is returned once and only its hash is kept."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ShareError("token.invalid", f"scopes must be a non-empty subset of {', '.join(SCOPES)}",
                         "auth.scope", 422)  # fmt: skip
    if not 1 <= days <= max_days:
        raise ShareError("token.invalid", f"a token lasts 1 to {max_days} days", "auth.token", 422)
    if not name or len(name) > 100:
        raise ShareError("token.invalid", "a token needs a name of 1 to 100 characters", "auth.token", 422)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(days=days)
    with engine.begin() as conn:
        result = conn.execute(
            sa.insert(api_token).values(user_id=user_id, name=name, token_hash=_sha256(secret),
                                        scopes=json.dumps(sorted(set(scopes))), created_at=now, expires_at=expires)
        )  # fmt: skip
    return {"token_id": result.inserted_primary_key[0], "name": name, "token": secret,
            "scopes": sorted(set(scopes)), "expires_at": expires.isoformat()}  # fmt: skip


def _token_statement():
    from yishu.share.tables import org_unit

    return (
        sa.select(api_token.c.token_id, api_token.c.scopes, api_token.c.expires_at, api_token.c.revoked_at,
                  app_user.c.user_id, app_user.c.name, app_user.c.role, app_user.c.org_id, app_user.c.jurisdiction,
                  app_user.c.disabled, org_unit.c.name.label("org_name"), org_unit.c.kind.label("org_kind"))
        .join(app_user, app_user.c.user_id == api_token.c.user_id)
        .join(org_unit, org_unit.c.org_id == app_user.c.org_id)
        .where(api_token.c.token_hash == sa.bindparam("token_hash"))
    )  # fmt: skip


_TOKEN = Prepared(_token_statement())


def token_user(
    conn: sa.Connection, secret: str, now: datetime | None = None
) -> tuple[User, frozenset[str], int]:
    """The user behind a bearer token (one query: token, user and org unit)."""
    now = now or datetime.now(UTC)
    row = _TOKEN.execute(conn, token_hash=_sha256(secret)).first()
    if row is None or row.revoked_at is not None or when(row.expires_at) <= now:
        raise ShareError("auth.token_invalid", "the token is unknown, revoked or expired", "auth.token", 401)
    if row.disabled:
        raise ShareError("auth.token_invalid", "the token's account is disabled", "auth.token", 401)
    user = User(
        row.user_id, row.name, row.role, row.org_id, row.org_name, row.org_kind, row.jurisdiction, False
    )
    return user, frozenset(json.loads(row.scopes)), row.token_id


def list_tokens(engine: sa.Engine, user_id: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(api_token).where(api_token.c.user_id == user_id)
                            .order_by(api_token.c.token_id)).all()  # fmt: skip
    return [{"token_id": r.token_id, "name": r.name, "scopes": json.loads(r.scopes),
             "created_at": aware(r.created_at).isoformat(), "expires_at": aware(r.expires_at).isoformat(),
             "revoked": r.revoked_at is not None} for r in rows]  # fmt: skip


def revoke_token(engine: sa.Engine, user_id: int, token_id: int) -> None:
    with engine.begin() as conn:
        done = conn.execute(sa.update(api_token)
                            .where(api_token.c.token_id == token_id, api_token.c.user_id == user_id,
                                   api_token.c.revoked_at.is_(None))
                            .values(revoked_at=datetime.now(UTC)))  # fmt: skip
    if done.rowcount != 1:
        raise ShareError("token.not_found", f"you have no active token {token_id}", "auth.token", 404)
