"""``yishu eval``: measure a stage against the synthetic city's truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yishu.cli.common import HomeOption, app, console, run
from yishu.cli.link import connect
from yishu.linkage import evaluate

eval_app = typer.Typer(help="Measure stages against the synthetic truth (precision, recall, F1).",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(eval_app, name="eval")


@eval_app.command("linkage")
def linkage_cmd(
    truth: Annotated[Path, typer.Option("--truth", help="The synth city's truth folder.")],
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pairwise and cluster precision, recall and F1 per entity type, for the latest linkage."""
    con = run(lambda: connect(home))
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "link_result" not in tables:
            run(
                lambda: (_ for _ in ()).throw(
                    RuntimeError("no linkage in this workspace; run 'yishu link run CITY'")
                )
            )
        result = run(lambda: evaluate(con, truth))
    finally:
        con.close()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for entity_type, r in result.items():
        console.print(f"[bold]{entity_type}[/]: pairwise P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}; "
                      f"clusters exact {r['cluster']['exact']:,}/{r['cluster']['true']:,}")  # fmt: skip
        for subset in ("with_id", "without_id"):
            if subset in r:
                s = r[subset]
                console.print(
                    f"  {subset}: {s['records']:,} records, P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f}"
                )
