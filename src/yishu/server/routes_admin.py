"""Users and org units (the bureau's administration)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from yishu.server.security import Principal, require, state
from yishu.share import users

router = APIRouter(prefix="/api/v1", tags=["admin"])
Reader = Annotated[Principal, Depends(require("admin", ("bureau_admin", "bureau_operator")))]
Admin = Annotated[Principal, Depends(require("admin", ("bureau_admin",)))]


class UserBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str
    org: str = Field(min_length=1, max_length=200)
    jurisdiction: str | None = Field(default=None, max_length=15)
    password: str = Field(min_length=8, max_length=200)


class OrgBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str
    jurisdiction: str | None = Field(default=None, max_length=15)


@router.get("/users")
def list_users(p: Reader, request: Request) -> list[dict]:
    """Every user with role, org unit and jurisdiction."""
    return [u.as_dict() for u in users.list_users(state(request).engine)]


@router.post("/users", status_code=201)
def add_user(body: UserBody, p: Admin, request: Request) -> dict:
    """Create a user (bureau admins only)."""
    st = state(request)
    request.state.audit["query"] = {"name": body.name, "role": body.role, "org": body.org}
    return users.add_user(st.engine, body.name, body.role, body.org, body.password, body.jurisdiction,
                          city=st.settings["city"]).as_dict()  # fmt: skip


@router.get("/orgs")
def list_orgs(p: Reader, request: Request) -> list[dict]:
    """Org units: the bureau, departments, townships, communities."""
    return users.list_orgs(state(request).engine)


@router.post("/orgs", status_code=201)
def add_org(body: OrgBody, p: Admin, request: Request) -> dict:
    """Create an org unit (bureau admins only)."""
    st = state(request)
    with st.engine.begin() as conn:
        org_id = users.ensure_org(conn, body.name, body.kind, body.jurisdiction)
    return next(o for o in users.list_orgs(st.engine) if o["org_id"] == org_id)
