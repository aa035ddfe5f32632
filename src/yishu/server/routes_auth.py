"""Login, logout, the caller, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from yishu.server.security import COOKIE, Id, Principal, authenticate, client_key, rate_limit, require, state
from yishu.share import auth

router = APIRouter(prefix="/api/v1", tags=["auth"])


class LoginBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=len(auth.SCOPES))
    days: int = Field(default=30, ge=1, le=3650)


@router.post("/auth/login")
def login(body: LoginBody, request: Request, response: Response) -> dict:
    """Password login; sets the session cookie (httponly, samesite=strict)."""
    st = state(request)
    rate_limit(request, client_key(request))
    request.state.audit["query"] = {"name": body.name}
    user = auth.login(st.engine, body.name, body.password, max_failures=st.settings["login_max_failures"],
                      lockout_minutes=st.settings["login_lockout_minutes"])  # fmt: skip
    request.state.audit["actor_id"], request.state.audit["actor_name"] = user.user_id, user.name
    hours = st.settings["session_hours"]
    value = auth.create_session(st.engine, user.user_id, hours)
    response.set_cookie(COOKIE, value, max_age=hours * 3600, httponly=True, samesite="strict",
                        secure=bool(st.settings["cookie_secure"]), path="/")  # fmt: skip
    return {"user": user.as_dict(), "expires_at": (datetime.now(UTC) + timedelta(hours=hours)).isoformat()}


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response) -> None:
    """End the session (if any) and clear the cookie."""
    value = request.cookies.get(COOKIE)
    if value:
        authenticate(request)
        auth.end_session(state(request).engine, value)
    response.delete_cookie(COOKIE, path="/")


@router.get("/me")
def me(request: Request) -> dict:
    """The caller, their scopes and how they authenticated."""
    p = authenticate(request)
    return {"user": p.user.as_dict(), "scopes": sorted(p.scopes), "via": p.via}


@router.post("/tokens", status_code=201)
def create_token(body: TokenBody, request: Request) -> dict:
    """A new API token for the caller (only from a console session); the secret is shown once."""
    p = authenticate(request)
    if p.via != "session":
        from yishu.share.errors import ShareError

        raise ShareError(
            "auth.session_required", "tokens are made from a console session", "auth.session", 403
        )
    st = state(request)
    return auth.create_token(st.engine, p.user.user_id, body.name, body.scopes, body.days,
                             st.settings["token_max_days"])  # fmt: skip


@router.get("/tokens")
def list_tokens(request: Request) -> list[dict]:
    """The caller's tokens (never their secrets)."""
    p = authenticate(request)
    return auth.list_tokens(state(request).engine, p.user.user_id)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: Id, request: Request) -> None:
    """Revoke one of the caller's tokens, effective at once."""
    p = authenticate(request)
    auth.revoke_token(state(request).engine, p.user.user_id, token_id)


@router.get("/rules")
def rules(p: Annotated[Principal, Depends(require("apply"))]) -> dict:
    """Every rule a denial can name."""
    from yishu.share.errors import RULES

    return RULES
