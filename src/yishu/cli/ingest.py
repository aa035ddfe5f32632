"""``yishu ingest`` and ``yishu delivery``: take deliveries in and list them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, run
from yishu.pipeline.ingest import deliveries, ingest_path, ingest_table
from yishu.workspace import Workspace


@app.command()
def ingest(
    path: Annotated[
        str, typer.Argument(help="A file, a folder, a synth manifest.json, or a database URL with --table.")
    ],
    source: Annotated[str | None, typer.Option("--source", help="The source that delivered it.")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Table to take from the database URL.")] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Ingest (归集) deliveries: stored immutably, every row landed or quarantined with its reason."""
    ws = run(lambda: Workspace.open(home))
    if table is not None:
        if not source:
            run(lambda: (_ for _ in ()).throw(ValueError("--table needs --source")))
        results = [run(lambda: ingest_table(ws, path, table, source))]
    else:
        results = run(lambda: ingest_path(ws, Path(path), source))
    if as_json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
        return
    out = Table(title="Deliveries (归集)")
    for col in ("id", "source", "rows in", "landed", "quarantined", "format", "encoding", "note"):
        out.add_column(col)
    for r in results:
        note = "already delivered: not loaded again" if r.duplicate else "; ".join(
            f"{k} {v}" for k, v in r.quarantine_reasons.items())  # fmt: skip
        out.add_row(str(r.delivery_id), r.source, f"{r.rows_in:,}", f"{r.rows_landed:,}", f"{r.rows_quarantined:,}",
                    r.format, r.encoding or "-", note)  # fmt: skip
    console.print(out)


delivery_app = typer.Typer(help="Deliveries taken in (批次).", no_args_is_help=True)
app.add_typer(delivery_app, name="delivery")


@delivery_app.command("list")
def list_cmd(
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every delivery with its hash, size, rows and arrival time."""
    ws = run(lambda: Workspace.open(home))
    rows = deliveries(ws, source)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    out = Table(title="Deliveries")
    for col in ("id", "source", "sha256", "bytes", "rows in", "landed", "quarantined", "arrived"):
        out.add_column(col)
    for r in rows:
        out.add_row(str(r["delivery_id"]), r["source"], r["sha256"][:12], f"{r['size']:,}", f"{r['rows_in']:,}",
                    f"{r['rows_landed']:,}", f"{r['rows_quarantined']:,}", str(r["arrived_at"])[:19])  # fmt: skip
    console.print(out)
