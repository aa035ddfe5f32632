"""``yishu link``: link a synthetic city's records to people, organisations and houses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, run
from yishu.linkage import explain, link, prepare_city
from yishu.workspace import Workspace

link_app = typer.Typer(help="Entity resolution (实体解析): link records to people, organisations, houses.",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(link_app, name="link")


def _city_dir(path: Path) -> Path:
    path = path.parent if path.name == "manifest.json" else path
    if not (path / "manifest.json").is_file():
        raise FileNotFoundError(f"{path}: no manifest.json (give a synth city folder or its manifest)")
    return path


def connect(home) -> duckdb.DuckDBPyConnection:
    ws = Workspace.open(home)
    ws.data_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(ws.duckdb_path))


@link_app.command("run")
def run_cmd(
    city: Annotated[Path, typer.Argument(help="A synth city folder (or its manifest.json).")],
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Prepare the city's records and link them; ids stay stable across runs in this workspace."""
    city_dir = run(lambda: _city_dir(city))
    con = run(lambda: connect(home))
    try:
        run(lambda: prepare_city(con, city_dir))
        result = run(lambda: link(con))
    finally:
        con.close()
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Linkage run {result.run_id} ({result.seconds:.1f} s)")
    for col in ("entity type", "records", "entities", "how"):
        table.add_column(col)
    for entity_type, records in result.records.items():
        how = ", ".join(f"{k} {v:,}" for k, v in result.methods[entity_type].items())
        table.add_row(entity_type, f"{records:,}", f"{result.entities[entity_type]:,}", how)
    console.print(table)


@link_app.command("explain")
def explain_cmd(
    record: Annotated[str, typer.Argument(help="A record id, SOURCE#ROW (e.g. 网格员采集#17).")],
    home: HomeOption = None,
) -> None:
    """Why a record belongs to its entity: the key, the repair, or each comparison's weight."""
    con = run(lambda: connect(home))
    try:
        print(json.dumps(run(lambda: explain(con, record)), ensure_ascii=False, indent=2, default=str))
    finally:
        con.close()
