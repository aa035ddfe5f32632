"""``yishu demo``: generate a small city in a fresh workspace and run every stage that exists."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, run
from yishu.demo import run_demo


@app.command()
def demo(
    home: HomeOption = None,
    persons: Annotated[int, typer.Option(help="People in the synthetic city.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not serve the console afterwards.")
    ] = False,
) -> None:
    """Run the whole demo: workspace, synthetic city, checks; then serve the console."""
    with Progress(
        TextColumn("[bold]synth[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("persons", total=persons)
        result = run(
            lambda: run_demo(home, persons, seed, progress=lambda done, _t: bar.update(task, completed=done))
        )
    m = result.manifest
    console.print(f"Workspace: {result.workspace.home}")
    console.print(
        f"City: {m['city']['province']}{m['city']['name']} ({m['city']['code']}), "
        f"{m['persons']:,} persons -> {result.city_dir}"
    )
    table = Table(title="Deliveries (数据归集) and citizen-ID conformance (GB 11643)")
    for col in (
        "source 数据源",
        "rows",
        "format",
        "encoding",
        "ID valid",
        "ID invalid",
        "ID 15-digit",
        "ID empty",
    ):
        table.add_column(col, justify="right" if col[0].isupper() or col == "rows" else "left")
    for s in m["sources"]:
        c = result.id_conformance.get(s["source"])
        figures = (
            [f"{c['valid']:,}", f"{c['invalid']:,}", f"{c['legacy15']:,}", f"{c['empty']:,}"]
            if c
            else ["-"] * 4
        )
        table.add_row(s["source"], f"{s['rows']:,}", s["format"], s["encoding"], *figures)
    console.print(table)
    if result.catalogue is not None:
        c = result.catalogue
        console.print(
            f"Catalogue (数据资源目录): {c.resources} resources, {c.fields} fields, {c.elements} data elements, "
            f"authority map version {c.authority_version} (see 'yishu catalog list')"
        )
    if result.addresses:
        a = result.addresses
        console.print(
            f"Standard addresses (一标): {a['texts']:,} delivered texts, {a['matched']:.1%} matched to the register, "
            f"{a['accuracy']:.1%} to the right code (see 'yishu address match')"
        )
    if result.linkage is not None:
        link_table = Table(title="Entity resolution (实体解析) against the synthetic truth")
        for col in ("entity type", "records", "entities", "pairwise F1", "how"):
            link_table.add_column(col)
        for entity_type, records in result.linkage.records.items():
            how = ", ".join(f"{k} {v:,}" for k, v in result.linkage.methods[entity_type].items())
            f1 = result.linkage_quality.get(entity_type, {}).get("f1")
            link_table.add_row(entity_type, f"{records:,}", f"{result.linkage.entities[entity_type]:,}",
                               f"{f1:.4f}" if f1 is not None else "-", how)  # fmt: skip
        console.print(link_table)
    truth = ", ".join(f"{k} {v['rows']:,}" for k, v in m["truth"].items())
    console.print(f"Truth: {truth}")
    if not no_serve:
        console.print(
            "The console is not built yet (share service and console are later issues); "
            "nothing to serve, demo finished."
        )
