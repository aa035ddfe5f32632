"""``yishu govern`` and ``yishu task``: run the governance pipeline; list and answer verification tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, err_console, run
from yishu.workspace import Workspace

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def govern(
    register: Annotated[
        Path | None,
        typer.Option("--register", help="Install this standard address register (Parquet) before the run."),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Govern (数据治理): every delivery in use to a new release of the base database."""
    from yishu.pipeline import standardise
    from yishu.pipeline.govern import govern as run_govern

    ws = run(lambda: Workspace.open(home))
    if register is not None:
        run(lambda: standardise.install_register(ws, register))
    with err_console.status("governing") as status:
        result = run(lambda: run_govern(ws, progress=lambda step: status.update(f"governing: {step}")))
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    out = Table(title=f"Release {result.release.id}: deliveries reconciled")
    for col in ("delivery", "source", "rows in", "accepted", "quarantined", "exact"):
        out.add_column(col)
    for r in result.reconciliation:
        out.add_row(str(r["delivery_id"]), r["source"], f"{r['rows_in']:,}", f"{r['accepted']:,}",
                    f"{r['quarantined']:,}", "yes" if r["exact"] else "NO")  # fmt: skip
    console.print(out)
    entities = result.linkage.get("entities", {})
    console.print("golden records: " + ", ".join(f"{k} {v:,}" for k, v in entities.items()))
    console.print(f"conflicts {result.counts.get('conflict', 0):,}; verification tasks opened "
                  f"{result.tasks['opened']:,}, still open {result.tasks['kept']:,}, closed {result.tasks['closed']:,}")  # fmt: skip
    console.print(f"{result.seconds:.1f} s")


task_app = typer.Typer(help="Verification tasks (核验任务) for grid workers.", no_args_is_help=True)
app.add_typer(task_app, name="task")


@task_app.command("list")
def task_list(
    status: Annotated[str, typer.Option("--status", help="open, answered, applied, closed or all.")] = "open",
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Division or grid code prefix.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verification tasks, optionally within a jurisdiction."""
    from yishu.pipeline.tasks import list_tasks

    ws = run(lambda: Workspace.open(home))
    rows = list_tasks(ws, None if status == "all" else status, jurisdiction, limit)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    out = Table(title="Verification tasks")
    for col in ("task", "kind", "entity", "attribute", "grid", "candidates", "status"):
        out.add_column(col)
    for r in rows:
        cands = "; ".join(f"{c.get('value')} ({', '.join(c.get('sources') or [])})"
                          for c in (r["question"] or {}).get("candidates", []))  # fmt: skip
        out.add_row(r["task_id"], r["kind"], r["entity_id"] or "", r["attribute"] or "", r["grid_code"] or "",
                    cands[:80], r["status"])  # fmt: skip
    console.print(out)


@task_app.command("answer")
def task_answer(
    task_id: Annotated[str, typer.Argument(help="The task.")],
    action: Annotated[str, typer.Option("--action", help="choose, enter, moved, deceased or not_found.")],
    user: Annotated[str, typer.Option("--user", help="Who answers (the grid worker).")],
    value: Annotated[str | None, typer.Option("--value", help="The value chosen or entered.")] = None,
    home: HomeOption = None,
) -> None:
    """Answer a task; the next 'yishu govern' delivers it as 网格核验 and uses it."""
    from yishu.pipeline.tasks import answer_task

    ws = run(lambda: Workspace.open(home))
    result = run(lambda: answer_task(ws, task_id, {"action": action, "value": value}, user))
    console.print(f"task {result['task_id']} answered: {action}" + (f" {value}" if value else ""))
