"""``yishu init`` and ``yishu settings``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yishu.cli.common import HomeOption, app, console, run
from yishu.settings import SETTINGS
from yishu.workspace import Workspace


@app.command()
def init(
    directory: Annotated[
        Path | None, typer.Argument(help="Workspace directory to create.", show_default=False)
    ] = None,
    home: HomeOption = None,
    city: Annotated[str | None, typer.Option(help="Prefecture division code, e.g. 370600.")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Control-plane SQLAlchemy URL (PostgreSQL).")
    ] = None,
) -> None:
    """Create a workspace (settings, control-plane database, data and catalogue folders)."""
    result = run(lambda: Workspace.init(directory or home, city=city, database_url=database_url))
    ws = result.workspace
    if not result.created:
        console.print(f"Workspace {ws.home} already exists; nothing changed.")
        return
    console.print(f"Created workspace {ws.home}")
    for path in result.created_paths:
        console.print(f"  {path}")


@app.command("settings")
def settings_cmd(
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show every setting with its value in this workspace."""
    ws = run(lambda: Workspace.open(home))
    if as_json:
        print(json.dumps(ws.settings, ensure_ascii=False, indent=2))
        return
    for s in SETTINGS:
        console.print(f"[bold]{s.name}[/] = {ws.settings[s.name]!r}  [dim]{s.help}[/]", highlight=False)
