"""首页: sources and deliveries, governance runs, quality charts, open tasks, pending approvals."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request

from yishu.console import charts, data, jurisdiction, share
from yishu.console.labels import Labels
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import APPROVER_ROLES, TASK_ROLES, Viewer, language, render

router = APIRouter()


def _short_department(c: Console):
    """黄石市公安局 -> 公安局, 国家税务总局黄石市税务局 stays: the city is the page's context."""
    from yishu.standards import divisions

    try:
        city = divisions.name_for_code(c.ws.settings["city"])
    except (KeyError, ValueError):
        city = ""
    return lambda name: (
        name.removeprefix(city) if city and name.startswith(city) and len(name) > len(city) else name
    )


@router.get("/")
def home(request: Request, viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):
    t = Translator(language(request))
    labels = Labels(c.catalogue(), t)
    scope = viewer.jurisdiction or None
    quality, counts, release = {}, {}, None
    with c.release() as rv:
        if rv is not None:
            quality = {
                "department": charts.quality_bars(
                    rv.quality("source", labels.department), _short_department(c), labels.dimension
                ),
                "element": charts.quality_bars(rv.quality("element"), labels.element, labels.dimension),
                "jurisdiction": charts.quality_bars(
                    rv.quality_below(viewer.jurisdiction),
                    lambda code: jurisdiction.name(code, t.lang),
                    labels.dimension,
                ),
            }
            counts = {et: rv.count(et, scope) for et in ("person", "house", "organisation")}
            release = rv.release.as_dict()
    return render(
        request, "home.html", viewer,
        sources=data.sources(c.engine), runs=data.govern_runs(c.engine, 5), quality=quality, counts=counts,
        release=release, open_tasks=data.tasks(c.engine, scope, "open", 8),
        open_task_count=data.count_tasks(c.engine, scope), approvals=share.pending_approvals(request, c),
        labels=labels, can_tasks=viewer.has(*TASK_ROLES),
        can_approve=viewer.has(*APPROVER_ROLES),
    )  # fmt: skip
