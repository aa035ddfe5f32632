"""Answering verification tasks (核验任务) from the console.

``answer`` is the one place the console records an answer: it checks the form's answer and hands
it to the governance pipeline's ``yishu.pipeline.tasks.answer_task``, which validates it against
the task (a chosen value must be a candidate, link tasks take same / different, moved and deceased
apply to people) and writes ``verification_task``.
"""

from __future__ import annotations

from yishu.pipeline.tasks import answer_task
from yishu.workspace import Workspace

ACTIONS = ("choose", "enter", "moved", "deceased", "not_found")
NEEDS_VALUE = {"choose", "enter"}
MAY_HAVE_VALUE = {"moved", "deceased"}  # a new address; a death date


class TaskError(ValueError):
    """An answer that cannot be recorded: unknown task, task not open, or a malformed answer."""


def check_answer(answer: dict) -> dict:
    """``{"action": ..., "value": ...}``: a value for choose and enter, optional for moved and deceased."""
    action = answer.get("action")
    if action not in ACTIONS:
        raise TaskError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    value = answer.get("value")
    value = value.strip() if isinstance(value, str) else value
    if action in NEEDS_VALUE and not value:
        raise TaskError(f"the answer {action!r} needs a value")
    keep = action in NEEDS_VALUE or (action in MAY_HAVE_VALUE and value)
    return {"action": action, "value": value if keep else None}


def answer(ws: Workspace, task_id: str, answer: dict, user: str) -> dict:
    """Record ``answer`` to open task ``task_id`` by ``user``; returns the stored answer."""
    try:
        return answer_task(ws, task_id, check_answer(answer), user)["answer"]
    except TaskError:
        raise
    except ValueError as exc:  # the pipeline's TaskError
        raise TaskError(str(exc)) from None
