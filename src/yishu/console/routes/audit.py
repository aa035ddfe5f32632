"""审计日志: the hash-chained audit log for auditors, with the chain's status."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from starlette.requests import Request

from yishu.audit import chain
from yishu.console import share
from yishu.console.state import Console, console
from yishu.console.web import Viewer, render

router = APIRouter()
PAGE = 100


@router.get("/audit")
def audit(request: Request, before: int = 0, actor: str = "", viewer: Viewer = Depends(share.viewer),
          c: Console = Depends(console)):  # fmt: skip
    share.require_role(request, c, viewer, ("auditor", "bureau_admin"), "audit log")
    with c.engine.connect() as conn:
        head = conn.execute(sa.text("SELECT seq FROM audit_head WHERE id = 1")).scalar() or 0
    before = before if 0 < before <= head + 1 else head + 1
    records = chain.read(c.engine, after=max(0, before - 1 - PAGE), limit=PAGE)
    records = [r for r in records if r["seq"] < before]
    if actor.strip():
        records = [r for r in records if (r["actor_name"] or "") == actor.strip()]
    records.reverse()
    status = chain.verify(c.engine)
    # Reading the audit log is itself an access worth recording (after the check, so it sees itself next time).
    share.record(
        request, c, viewer, "GET", request.url.path, 200, dict(request.query_params), rows=len(records)
    )
    oldest = min((r["seq"] for r in records), default=before)
    return render(request, "audit.html", viewer, records=records, status=status, head=head, actor=actor,
                  older=oldest if oldest > 1 else None, newer=before + PAGE if before <= head else None)  # fmt: skip
