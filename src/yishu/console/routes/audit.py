"""审计日志: the hash-chained audit log for auditors, newest first, with the chain's status."""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi import APIRouter, Depends
from starlette.requests import Request

from yishu.audit import chain
from yishu.console import share
from yishu.console.state import Console, console
from yishu.console.web import AUDIT_ROLES, Viewer, render
from yishu.share.tables import audit_log

router = APIRouter()
PAGE = 100


def records(engine: sa.Engine, before: int | None, actor: str | None, limit: int = PAGE) -> list[dict]:
    """Records with sequence number below ``before`` (all if None), of ``actor`` if given, newest first."""
    query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if before:
        query = query.where(audit_log.c.seq < before)
    if actor:
        query = query.where(audit_log.c.actor_name == actor)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for r in rows:
        r["query"] = json.loads(r["query"])
        r["entity_ids"] = json.loads(r["entity_ids"])
    return rows


@router.get("/audit")
def audit(request: Request, before: int = 0, actor: str = "", viewer: Viewer = Depends(share.viewer),
          c: Console = Depends(console)):  # fmt: skip
    share.require_role(request, c, viewer, AUDIT_ROLES, "audit log")
    actor = actor.strip()
    status = chain.verify(c.engine)
    page = records(c.engine, before or None, actor or None)
    older = page[-1]["seq"] if len(page) == PAGE else None
    # Reading the audit log is an access too: recorded after the page is read (the next read shows it).
    share.record(request, c, viewer, "GET", request.url.path, 200, dict(request.query_params), rows=len(page))
    return render(request, "audit.html", viewer, records=page, status=status, actor=actor, older=older,
                  first_page=not before)  # fmt: skip
