"""``yishu demo``: a small city in a fresh workspace through the whole pipeline; then the console."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, err_console, run
from yishu.demo import DemoResult, run_demo


@app.command()
def demo(
    home: HomeOption = None,
    persons: Annotated[int, typer.Option(help="People in the synthetic city.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not serve the console afterwards.")
    ] = False,
) -> None:
    """Run the whole demo: workspace, synthetic city, ingest, governance, evaluation; then serve the console."""
    with Progress(TextColumn("[bold]synth[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:  # fmt: skip
        task = bar.add_task("persons", total=persons)
        with err_console.status("") as status:
            result = run(lambda: run_demo(home, persons, seed,
                                          progress=lambda done, _t: bar.update(task, completed=done),
                                          step=lambda name: status.update(f"governing: {name}")))  # fmt: skip
    report(result)
    users(result)
    if not no_serve:
        from yishu.cli.serve import serve_workspace

        serve_workspace(result.workspace)


def report(result: DemoResult) -> None:
    m = result.manifest
    console.print(f"Workspace: {result.workspace.home}")
    console.print(f"City: {m['city']['province']}{m['city']['name']} ({m['city']['code']}), "
                  f"{m['persons']:,} persons -> {result.city_dir}")  # fmt: skip
    if result.catalogue is not None:
        c = result.catalogue
        console.print(f"Catalogue (数据资源目录): {c.resources} resources, {c.fields} fields, {c.elements} data "
                      f"elements, authority map version {c.authority_version}")  # fmt: skip
    g = result.governed
    table = Table(title=f"Deliveries (数据归集) reconciled in release {g.release.id}")
    for col in ("source 数据源", "format", "encoding", "rows in", "accepted", "quarantined"):
        table.add_column(col)
    formats = {i.delivery_id: i for i in result.ingested}
    for r in g.reconciliation:
        i = formats.get(r["delivery_id"])
        table.add_row(r["source"], i.format if i else "-", (i.encoding or "-") if i else "-", f"{r['rows_in']:,}",
                      f"{r['accepted']:,}", f"{r['quarantined']:,}")  # fmt: skip
    console.print(table)
    e = result.evaluation
    link = Table(title="Entity resolution (实体解析) against the synthetic truth")
    for col in ("entity type", "records", "entities", "precision", "recall", "F1"):
        link.add_column(col)
    for entity_type, records in g.linkage["records"].items():
        q = e["linkage"].get(entity_type, {})
        link.add_row(entity_type, f"{records:,}", f"{g.linkage['entities'][entity_type]:,}",
                     *(f"{q[k]:.4f}" if k in q else "-" for k in ("precision", "recall", "f1")))  # fmt: skip
    console.print(link)
    a, ad = e["attribute_accuracy"], e["address_code_accuracy"]
    console.print(f"Golden records (一数一源): attribute accuracy {a['accuracy']:.2%} over {a['compared']:,} values; "
                  f"standard address codes right for {ad['accuracy']:.2%} of {ad['texts']:,} delivered texts")  # fmt: skip
    console.print(f"Verification tasks (核验) for grid workers: {g.counts['task']:,}; conflicts recorded: "
                  f"{g.counts['conflict']:,}; rows and values quarantined: {g.counts['quarantine']:,}")  # fmt: skip
    console.print("Next: 'yishu quality report --format html --out quality.html', 'yishu task list', "
                  "'yishu release show 1'")  # fmt: skip


def users(result: DemoResult) -> None:
    """One demo user per role, with their passwords (new ones on every demo run)."""
    from yishu.share.users import create_demo_users

    table = Table(title="Demo users (演示账号): one per role; log in to the console with these")
    for col in ("user", "role", "password", "jurisdiction"):
        table.add_column(col)
    for u in create_demo_users(result.workspace):
        table.add_row(u["name"], u["role"], u["password"], u["jurisdiction"] or "-")
    console.print(table)
