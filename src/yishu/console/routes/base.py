"""基础库: people, houses and organisations by jurisdiction (city > district > township >
community > grid), and the entity page (一人一档 / 一企一档 / 一房一档) with provenance."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request

from yishu.console import jurisdiction, share
from yishu.console.errors import NotFound
from yishu.console.labels import Labels
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import DATA_ROLES, TASK_ROLES, Viewer, language, render
from yishu.pipeline.schema import ENTITY_TYPES

router = APIRouter()
PAGE = 50

# The columns a list shows for each entity type (the entity page shows all of them).
LIST_COLUMNS = {
    "person": ("name", "citizen_id", "phone", "sex", "birth_date", "actual_address"),
    "organisation": ("name", "uscc", "legal_representative", "business_address"),
    "house": ("address", "owner_name", "use", "area"),
}


@router.get("/base")
def base(request: Request, type: str = "person", j: str = "", q: str = "", page: int = 1,
         viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):  # fmt: skip
    share.require_role(request, c, viewer, DATA_ROLES, "base database")
    t = Translator(language(request))
    if type not in ENTITY_TYPES:
        raise NotFound(t("error.no_entity_type", type=type))
    top = viewer.jurisdiction or c.ws.settings["city"][:4]
    code = j.strip() or top
    try:
        jurisdiction.level(code)
    except ValueError:
        raise NotFound(t("error.no_jurisdiction", code=code)) from None
    if not jurisdiction.within(code, viewer.jurisdiction):
        share.deny(request, c, viewer, f"jurisdiction {code}", t("error.outside_jurisdiction"))
    page = max(1, page)
    with c.release() as rv:
        if rv is None:
            return render(request, "database.html", viewer, no_release=True, type=type, code=code, crumbs=[],
                          children=[], rows=[], total=0, columns=[], q=q, page=1, pages=1, counts={})  # fmt: skip
        children = rv.breakdown(type, code)
        counts = {et: rv.count(et, code) for et in ENTITY_TYPES}
        search = (share.searchable(request, c, type) | {"entity_id"}) if q.strip() else set()
        rows, total = rv.entities(type, code, q.strip() or None, PAGE, (page - 1) * PAGE, search)
        available = rv.columns(type)
    rows, masked = share.mask_rows(request, c, viewer, type, rows)
    share.record(
        request,
        c,
        viewer,
        "GET",
        request.url.path,
        200,
        dict(request.query_params),
        entity_ids=[r["entity_id"] for r in rows],
        rows=len(rows),
        release_id=rv.release.id,
    )
    granted = share.granted_columns(request, c, type)
    columns = [col for col in LIST_COLUMNS[type] if col in available and col in granted]
    crumbs = [p for p in jurisdiction.path(code) if len(p) >= len(top)]
    return render(
        request, "database.html", viewer, no_release=False, type=type, code=code, crumbs=crumbs, children=children,
        rows=rows, total=total, columns=columns, q=q, page=page, pages=max(1, -(-total // PAGE)), counts=counts,
        labels=Labels(c.catalogue(), t), level=jurisdiction.level(code), masked=masked,
    )  # fmt: skip


@router.get("/entity/{entity_type}/{entity_id}")
def entity(request: Request, entity_type: str, entity_id: str, viewer: Viewer = Depends(share.viewer),
           c: Console = Depends(console)):  # fmt: skip
    share.require_role(request, c, viewer, DATA_ROLES, f"{entity_type}/{entity_id}")
    t = Translator(language(request))
    if entity_type not in ENTITY_TYPES:
        raise NotFound(t("error.no_entity_type", type=entity_type))
    with c.release() as rv:
        row = rv.entity(entity_type, entity_id) if rv else None
        if row is None:
            raise NotFound(t("error.no_entity", id=entity_id))
        if not jurisdiction.within(row.get("jurisdiction"), viewer.jurisdiction):
            share.deny(request, c, viewer, f"{entity_type}/{entity_id}", t("error.outside_jurisdiction"),
                       entity_ids=[entity_id])  # fmt: skip
        conflicts = rv.conflicts(entity_type, entity_id)
        provenance = rv.provenance(entity_type, entity_id)
        release_id = rv.release.id
    view = share.entity_view(request, c, viewer, entity_type, row, provenance)
    share.record(
        request,
        c,
        viewer,
        "GET",
        request.url.path,
        200,
        {},
        entity_ids=[entity_id],
        rows=1,
        grant_id=view.grant_ids[0] if view.grant_ids else None,
        release_id=release_id,
    )
    attributes = share.attribute_columns(row)
    by_attribute: dict[str, list[dict]] = {}
    for p in view.provenance:
        by_attribute.setdefault(p["attribute"].split(".", 1)[-1], []).append(p)
    return render(
        request, "entity.html", viewer, entity_type=entity_type, entity_id=entity_id, row=view.row,
        attributes=attributes, provenance=by_attribute, hidden=view.hidden,
        conflicts=[cf for cf in conflicts if cf["attribute"].split(".")[-1] not in view.hidden],
        masked=view.masked, release_id=release_id, crumbs=jurisdiction.path(row.get("jurisdiction") or ""),
        labels=Labels(c.catalogue(), t),
        tasks=share.tasks_for(c, entity_type, entity_id) if viewer.has(*TASK_ROLES) else [],
    )  # fmt: skip
