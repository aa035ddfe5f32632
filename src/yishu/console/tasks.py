"""Answering verification tasks (核验任务) from the console.

``answer`` is the one place the console writes an answer. It stands in for the governance
pipeline's ``yishu.pipeline.tasks.answer_task(ws, task_id, answer, user)`` and uses it as soon as
that exists, so the switch needs no change here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from yishu.workspace import Workspace

ACTIONS = ("choose", "enter", "moved", "deceased", "not_found")
NEEDS_VALUE = {"choose", "enter"}


class TaskError(ValueError):
    """An answer that cannot be recorded: unknown task, task not open, or a malformed answer."""


def check_answer(answer: dict) -> dict:
    """``{"action": ..., "value": ...}``, with a value exactly for choose and enter."""
    action = answer.get("action")
    if action not in ACTIONS:
        raise TaskError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    value = answer.get("value")
    value = value.strip() if isinstance(value, str) else value
    if action in NEEDS_VALUE and not value:
        raise TaskError(f"the answer {action!r} needs a value")
    return {"action": action, "value": value if action in NEEDS_VALUE else None}


def answer(ws: Workspace, task_id: str, answer: dict, user: str, engine: sa.Engine | None = None) -> dict:
    """Record ``answer`` to open task ``task_id`` by ``user``; returns the stored answer."""
    answer = check_answer(answer)
    try:
        from yishu.pipeline.tasks import answer_task  # the lead's pipeline function, once it lands
    except ImportError:
        answer_task = None
    if answer_task is not None:
        answer_task(ws, task_id, answer, user)
        return answer
    own = engine is None
    engine = engine or ws.engine()
    try:
        with engine.begin() as conn:
            status = conn.execute(
                sa.text("SELECT status FROM verification_task WHERE task_id = :t"), {"t": task_id}
            ).scalar()
            if status is None:
                raise TaskError(f"no verification task {task_id!r}")
            if status != "open":
                raise TaskError(f"task {task_id} is {status}, not open")
            conn.execute(
                sa.text(
                    "UPDATE verification_task SET status = 'answered', answer = :a, answered_by = :u, "
                    "answered_at = :at WHERE task_id = :t AND status = 'open'"
                ),
                {
                    "a": json.dumps(answer, ensure_ascii=False),
                    "u": user,
                    "at": datetime.now(UTC),
                    "t": task_id,
                },
            )
    finally:
        if own:
            engine.dispose()
    return answer
