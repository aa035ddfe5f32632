"""``yishu audit verify``: check the audit chain."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from yishu.cli.common import HomeOption, app, console, err_console, run
from yishu.workspace import Workspace

audit_app = typer.Typer(help="The audit log (审计日志).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command()
def verify(
    home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
):
    """Walk the hash chain; name the first record edited, deleted or moved (exit code 1 if any)."""
    from yishu import controlplane
    from yishu.audit.chain import verify as verify_chain

    ws = run(lambda: Workspace.open(home))
    engine = ws.engine()
    try:
        controlplane.upgrade(engine)
        result = verify_chain(engine)
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif result.ok:
        algos = ", ".join(f"{k} {v}" for k, v in sorted(result.algorithms.items())) or "none"
        console.print(f"Audit chain intact: {result.records:,} records ({algos}).")
    else:
        err_console.print(f"[bold red]Audit chain broken[/] at record {result.first_bad}: {result.problem}")
    if not result.ok:
        raise typer.Exit(1)
