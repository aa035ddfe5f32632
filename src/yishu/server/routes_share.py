"""The catalogue as applicants see it, applications, decisions and grants."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from yishu.server.security import Id, Principal, require, state
from yishu.share import applications as apps
from yishu.share.errors import ShareError

router = APIRouter(prefix="/api/v1", tags=["share"])
Applicant = Annotated[Principal, Depends(require("apply"))]
Approver = Annotated[Principal, Depends(require("approve"))]


class ApplicationBody(BaseModel):
    resource_code: str = Field(min_length=1, max_length=64)
    fields: list[str] = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    duration_days: int = Field(ge=1, le=apps.MAX_DAYS)
    unmask_fields: list[str] = Field(default_factory=list, max_length=200)
    unmask_purpose: str | None = Field(default=None, max_length=2000)


class DecisionBody(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=2000)
    lift_masking: bool = True


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/resources")
def resources(p: Applicant, request: Request) -> list[dict]:
    """Catalogue resources with share type, provider and fields (grade, masking)."""
    out = []
    for r in state(request).catalogue().resources.values():
        out.append({"code": r.code, "name": r.name, "provider": r.provider, "entity_type": r.entity_type,
                    "share_type": r.share_type, "share_basis": r.share_basis, "grade": r.grade,
                    "fields": [{"column": f.column, "attribute": f.attribute, "grade": f.grade,
                                "masking": f.masking} for f in r.fields]})  # fmt: skip
    return out


@router.post("/applications", status_code=201)
def apply(body: ApplicationBody, p: Applicant, request: Request) -> dict:
    """Apply for columns of a resource (共享申请)."""
    st = state(request)
    request.state.audit["query"] = {"resource_code": body.resource_code, "fields": body.fields}
    return apps.apply(st.engine, st.catalogue(), p.user, body.resource_code, body.fields, body.purpose,
                      body.legal_basis, body.duration_days, body.unmask_fields, body.unmask_purpose)  # fmt: skip


@router.get("/applications")
def list_applications(p: Applicant, request: Request,
                      status: Annotated[Literal[apps.STATUSES] | None, Query()] = None) -> list[dict]:  # type: ignore[valid-type]  # fmt: skip
    """Applications the caller may see: their own; a provider's for its resources; all for the bureau."""
    st = state(request)
    return apps.list_applications(st.engine, st.catalogue(), p.user, status)


@router.get("/applications/{application_id}")
def get_application(application_id: Id, p: Applicant, request: Request) -> dict:
    """One application with its decisions and grant."""
    st = state(request)
    return apps.read_application(st.engine, st.catalogue(), p.user, application_id)


@router.post("/applications/{application_id}/decisions")
def decide(application_id: Id, body: DecisionBody, p: Approver, request: Request) -> dict:
    """Approve or reject at the waiting stage (provider, then bureau); the reason is recorded."""
    st = state(request)
    request.state.audit["query"] = {"decision": body.decision, "reason": body.reason}
    return apps.decide(st.engine, st.catalogue(), p.user, application_id, body.decision, body.reason,
                       body.lift_masking)  # fmt: skip


@router.post("/applications/{application_id}/withdraw", status_code=204)
def withdraw(application_id: Id, body: ReasonBody, p: Applicant, request: Request) -> None:
    """The applicant withdraws a pending application."""
    apps.withdraw(state(request).engine, p.user, application_id, body.reason)


@router.get("/grants")
def list_grants(p: Applicant, request: Request) -> list[dict]:
    """The caller's grants (the bureau sees all)."""
    return [g.as_dict() for g in apps.grants_of(state(request).engine, p.user)]


@router.get("/grants/{grant_id}")
def get_grant(grant_id: Id, p: Applicant, request: Request) -> dict:
    """One grant: fields (with masking), jurisdiction, purpose, expiry, revocation."""
    for g in apps.grants_of(state(request).engine, p.user):
        if g.grant_id == grant_id:
            return g.as_dict()
    raise ShareError("grant.not_found", f"you hold no grant {grant_id}", "grant.owner", 404)


@router.post("/grants/{grant_id}/revoke")
def revoke(grant_id: Id, body: ReasonBody, p: Approver, request: Request) -> dict:
    """Revoke a grant, effective at once (the bureau or the providing department)."""
    st = state(request)
    request.state.audit["grant_id"] = grant_id
    return apps.revoke(st.engine, st.catalogue(), p.user, grant_id, body.reason).as_dict()
