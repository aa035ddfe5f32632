"""数据目录: browse and search resources; a resource with fields, grades, types, quality, lineage."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request

from yishu.catalogue import search
from yishu.console import data, share
from yishu.console.errors import NotFound
from yishu.console.labels import Labels
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import Viewer, language, render

router = APIRouter()


@router.get("/catalogue")
def catalogue(
    request: Request, q: str = "", viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)
):
    t = Translator(language(request))
    cat = c.catalogue()
    q = q.strip()
    if q:
        hits = [(h.resource, h.reasons) for h in search(cat, q, limit=50)]
    else:
        hits = [(r, ()) for r in sorted(cat.resources.values(), key=lambda r: r.code)]
    return render(request, "catalogue.html", viewer, q=q, hits=hits, labels=Labels(cat, t))


@router.get("/catalogue/{code}")
def resource(
    request: Request, code: str, viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)
):
    t = Translator(language(request))
    cat = c.catalogue()
    r = cat.resources.get(code)
    if r is None:
        raise NotFound(t("error.no_resource", code=code))
    # 一数一源: for each attribute this resource feeds, which source is authoritative.
    authority = {}
    for f in r.fields:
        if f.attribute and f.attribute in cat.authority:
            order = cat.authority[f.attribute]
            authority[f.column] = {
                "first": order[0],
                "rank": order.index(r.source) if r.source in order else None,
            }
    deliveries = data.deliveries(c.engine, r.source)
    runs = data.runs_using(c.engine, {d["delivery_id"] for d in deliveries})
    with c.release() as rv:
        quality = [q for q in rv.quality("source") if q["scope"] == r.source] if rv else []
        reconciliation = rv.reconciliation(r.source) if rv else []
        release_id = rv.release.id if rv else None
    return render(
        request, "resource.html", viewer, r=r, elements=cat.elements, authority=authority,
        deliveries=deliveries, runs=runs, quality=quality[0] if quality else None,
        reconciliation=reconciliation, release_id=release_id, labels=Labels(cat, t),
    )  # fmt: skip
