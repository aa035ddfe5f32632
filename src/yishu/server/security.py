"""Who is calling: a bearer token or the session cookie; scopes, roles and rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Request

from yishu.share import auth
from yishu.share.errors import ShareError
from yishu.share.users import User

COOKIE = "yishu_session"
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="a positive 32-bit id")]


@dataclass(frozen=True)
class Principal:
    user: User
    scopes: frozenset[str]
    via: str  # session / token


def state(request: Request):
    return request.app.state.share


def client_key(request: Request) -> str:
    return "c:" + (request.client.host if request.client else "?")


def rate_limit(request: Request, key: str) -> None:
    if not state(request).limiter.allow(key):
        raise ShareError("auth.rate_limited", "too many requests; slow down", "auth.rate_limit", 429)


def authenticate(request: Request) -> Principal:
    st = state(request)
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    cookie = request.cookies.get(COOKIE)
    if not token and not cookie:
        rate_limit(request, client_key(request))
        raise ShareError("auth.required", "log in or send a bearer token", "auth.required", 401)
    with st.engine.connect() as conn:
        if token:
            try:
                user, scopes, _ = auth.token_user(conn, token)
            except ShareError:
                rate_limit(request, client_key(request))
                raise
            via = "token"
        else:
            try:
                user = auth.session_user(conn, cookie)
            except ShareError:
                rate_limit(request, client_key(request))
                raise
            scopes, via = frozenset(auth.SCOPES), "session"
    audit = request.state.audit
    audit["actor_id"], audit["actor_name"] = user.user_id, user.name
    rate_limit(request, f"u:{user.user_id}")
    return Principal(user, scopes, via)


def require(scope: str, roles: tuple[str, ...] | None = None):
    """A dependency: an authenticated caller whose token has ``scope`` and whose role is in ``roles``."""

    async def dependency(request: Request) -> Principal:  # short reads: run on the loop, no thread hop
        p = authenticate(request)
        if scope not in p.scopes:
            raise ShareError("auth.scope_missing", f"this token lacks the scope {scope!r}", "auth.scope")
        if p.user.role == "auditor" and scope != "audit":
            raise ShareError("role.forbidden", "auditors read the audit log and nothing else",
                             "role.auditor_read_only")  # fmt: skip
        if roles is not None and p.user.role not in roles:
            raise ShareError(
                "role.forbidden", f"this needs one of the roles {', '.join(roles)}", "role.required"
            )
        return p

    return dependency
