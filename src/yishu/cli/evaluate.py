"""``yishu eval``: measure a stage against the synthetic city's truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from yishu.cli.common import HomeOption, app, console, run
from yishu.cli.link import connect
from yishu.duck import tables as duck_tables
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
        tables = duck_tables(con)
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


@eval_app.command("governance")
def governance_cmd(
    truth: Annotated[Path, typer.Option("--truth", help="The synth city's truth folder.")],
    release: Annotated[
        int | None, typer.Option("--release", help="Release to measure (default: current).")
    ] = None,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A release against the truth: linkage, attribute accuracy, address codes, reconciliation."""
    from yishu.pipeline.evaluation import evaluate as evaluate_governance
    from yishu.pipeline.release import current_release, get_release
    from yishu.workspace import Workspace

    ws = run(lambda: Workspace.open(home))
    chosen = run(lambda: get_release(ws, release) if release is not None else current_release(ws))
    if chosen is None:
        run(lambda: (_ for _ in ()).throw(RuntimeError("no release yet; run 'yishu govern'")))
    result = run(lambda: evaluate_governance(chosen, truth))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]release {result['release']}[/]")
    for entity_type, r in result["linkage"].items():
        console.print(f"  linkage {entity_type}: P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}")
    a = result["attribute_accuracy"]
    console.print(f"  golden attribute accuracy {a['accuracy']:.4f} over {a['compared']:,} values "
                  f"(coverage {a['coverage']:.4f})")  # fmt: skip
    for name, v in a["attributes"].items():
        console.print(f"    {name}: {v['accuracy']} ({v['compared']:,})")
    ad = result["address_code_accuracy"]
    console.print(f"  address code accuracy {ad['accuracy']:.4f} over {ad['texts']:,} texts")
    rc = result["reconciliation"]
    console.print(
        f"  reconciliation {'exact' if rc['exact'] else 'NOT exact'} for {len(rc['deliveries'])} deliveries"
    )
    for defect, q in result["quarantine"].items():
        if defect != "reasons":
            console.print(f"  defect {defect}: injected {q['injected']:,}, detected {q['detected']:,} "
                          f"(recall {q['recall']}, precision {q['precision']})")  # fmt: skip
