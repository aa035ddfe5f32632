"""核验任务: a grid worker's verification tasks, the conflict with its candidate values and their
sources, and the answer (choose, enter, moved, deceased, not found)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse

from yishu.console import data, jurisdiction, share
from yishu.console import tasks as answers
from yishu.console.errors import NotFound
from yishu.console.labels import Labels
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import TASK_ROLES, Viewer, language, render, url

router = APIRouter()
PAGE = 50


def candidates(question: dict, authority: tuple[str, ...] = ()) -> list[dict]:
    """The question's candidate values, each with its sources as a list (and each source's rank in
    the authority map for the attribute: 0 = authoritative)."""
    out = []
    for cand in question.get("candidates", []):
        if not isinstance(cand, dict):
            cand = {"value": cand}
        sources = cand.get("sources") or ([cand["source"]] if cand.get("source") else [])
        sources = [s if isinstance(s, dict) else {"source": s} for s in sources]
        sources = [{**s, "rank": authority.index(s["source"]) if s.get("source") in authority else None}
                   for s in sources]  # fmt: skip
        out.append({**cand, "sources": sources})
    return out


def _authority(catalogue, task: dict) -> tuple[str, ...]:
    attribute = task.get("attribute") or ""
    if attribute and "." not in attribute:
        attribute = f"{task.get('entity_type')}.{attribute}"
    return catalogue.authority.get(attribute, ())


def _task_or_404(request: Request, c: Console, viewer: Viewer, task_id: str, t: Translator) -> dict:
    share.require_role(request, c, viewer, TASK_ROLES, f"task {task_id}")
    task = data.task(c.engine, task_id)
    if task is None:
        raise NotFound(t("error.no_task", id=task_id))
    if not jurisdiction.within(task["jurisdiction"] or task["grid_code"], viewer.jurisdiction):
        share.deny(request, c, viewer, f"task {task_id}", t("error.outside_jurisdiction"),
                   entity_ids=[task["entity_id"]] if task["entity_id"] else [])  # fmt: skip
    return task


@router.get("/tasks")
def task_list(request: Request, status: str = "open", done: str = "", page: int = 1,
              viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):  # fmt: skip
    share.require_role(request, c, viewer, TASK_ROLES, "tasks")
    t = Translator(language(request))
    status = status if status in ("open", "answered", "all") else "open"
    wanted = None if status == "all" else status
    total = data.count_tasks(c.engine, viewer.jurisdiction or None, wanted)
    pages = max(1, -(-total // PAGE))
    page = min(max(1, page), pages)
    rows = data.tasks(c.engine, viewer.jurisdiction or None, wanted, PAGE, (page - 1) * PAGE)
    return render(request, "tasks.html", viewer, tasks=rows, status=status, done=done, total=total, page=page,
                  pages=pages, labels=Labels(c.catalogue(), t))  # fmt: skip


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: str, error: str = "", viewer: Viewer = Depends(share.viewer),
              c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    task = _task_or_404(request, c, viewer, task_id, t)
    catalogue = c.catalogue()
    return render(request, "task.html", viewer, task=task, candidates=candidates(task["question"],
                  _authority(catalogue, task)), error=error, labels=Labels(catalogue, t))  # fmt: skip


@router.post("/tasks/{task_id}")
def task_answer(request: Request, task_id: str, choice: str = Form(""), value: str = Form(""),
                moved_address: str = Form(""), death_date: str = Form(""), viewer: Viewer = Depends(share.viewer),
                c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    task = _task_or_404(request, c, viewer, task_id, t)
    catalogue = c.catalogue()
    cands = candidates(task["question"], _authority(catalogue, task))
    if choice.startswith("choose:"):
        try:
            answer = {"action": "choose", "value": cands[int(choice.split(":", 1)[1])]["value"]}
        except (ValueError, IndexError):
            answer = {"action": "choose", "value": None}
    elif choice in ("same", "different"):  # a link task: is this record the same one?
        answer = {"action": "choose", "value": choice}
    else:
        extra = {"enter": value, "moved": moved_address, "deceased": death_date}
        answer = {"action": choice, "value": extra.get(choice)}
    try:
        stored = answers.answer(c.ws, task_id, answer, viewer.username)
    except answers.TaskError as exc:
        return render(request, "task.html", viewer, status_code=400, task=task, candidates=cands,
                      error=t("tasks.answer_error", detail=str(exc)), labels=Labels(catalogue, t))  # fmt: skip
    share.record(request, c, viewer, "POST", url(f"/tasks/{task_id}"), 200, {"answer": stored},
                 entity_ids=[task["entity_id"]] if task["entity_id"] else [])  # fmt: skip
    return RedirectResponse(url(f"/tasks?done={task_id}"), status_code=303)
