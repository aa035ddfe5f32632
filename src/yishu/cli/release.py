"""``yishu release``: list, show and compare releases of the base database."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, run
from yishu.pipeline.release import current_release, diff, get_release, list_releases
from yishu.workspace import Workspace

release_app = typer.Typer(help="Releases (版本) of the base database.", no_args_is_help=True)
app.add_typer(release_app, name="release")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@release_app.command("list")
def list_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """Every release, the current one marked."""
    ws = run(lambda: Workspace.open(home))
    releases = list_releases(ws)
    current = current_release(ws)
    if as_json:
        print(json.dumps([dict(r.as_dict(), current=current is not None and r.id == current.id) for r in releases],
                         ensure_ascii=False, indent=2))  # fmt: skip
        return
    if not releases:
        console.print("No release yet.")
        return
    table = Table(title="Releases")
    for col in ("id", "created", "tables", "rows", "current"):
        table.add_column(col)
    for r in releases:
        table.add_row(str(r.id), r.created_at[:19], str(len(r.tables)), f"{sum(r.tables.values()):,}",
                      "*" if current and r.id == current.id else "")  # fmt: skip
    console.print(table)


@release_app.command()
def show(
    release: Annotated[int | None, typer.Argument(help="Release number (default: the current one).")] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tables and row counts of one release."""
    ws = run(lambda: Workspace.open(home))
    r = run(lambda: get_release(ws, release)) if release is not None else current_release(ws)
    if r is None:
        run(lambda: (_ for _ in ()).throw(RuntimeError("no release yet")))
    if as_json:
        print(json.dumps(r.as_dict(), ensure_ascii=False, indent=2))
        return
    console.print(f"Release {r.id}, created {r.created_at}")
    for table, rows in r.tables.items():
        console.print(f"  {table}: {rows:,} rows")


@release_app.command("diff")
def diff_cmd(
    a: Annotated[int, typer.Argument(help="Earlier release.")],
    b: Annotated[int, typer.Argument(help="Later release.")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Rows per table in both releases; entities added, removed and changed."""
    ws = run(lambda: Workspace.open(home))
    result = run(lambda: diff(ws, a, b))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for table, entry in result.items():
        extra = ", ".join(f"{k} {entry[k]:,}" for k in ("added", "removed", "changed") if k in entry)
        console.print(f"{table}: {entry['rows'][0]} -> {entry['rows'][1]}" + (f" ({extra})" if extra else ""))
