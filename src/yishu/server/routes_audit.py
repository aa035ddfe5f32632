"""The audit log for auditors: read and verify. No endpoint edits it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from yishu.audit import chain
from yishu.server.security import Principal, require, state

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require("audit", ("auditor",)))]


@router.get("")
def read(p: Auditor, request: Request, after: Annotated[int, Query(ge=0)] = 0,
         limit: Annotated[int, Query(ge=1, le=1000)] = 100, actor_id: Annotated[int | None, Query()] = None,
         grant_id: Annotated[int | None, Query()] = None) -> list[dict]:  # fmt: skip
    """Records after sequence number ``after``, oldest first."""
    return chain.read(state(request).engine, after=after, limit=limit, actor_id=actor_id, grant_id=grant_id)


@router.get("/verify")
def verify(p: Auditor, request: Request) -> dict:
    """Walk the chain; names the first record edited, deleted or moved."""
    return chain.verify(state(request).engine).as_dict()
