"""``yishu synth``: generate a synthetic city with ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from yishu.cli.common import app, console, run
from yishu.synth import DEFAULT_CITY, generate


def synth_with_progress(city: str, persons: int, seed: int, out: Path) -> dict:
    with Progress(
        TextColumn("[bold]synth[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("persons", total=persons)
        return generate(
            city, persons, seed, out, progress=lambda done, _total: bar.update(task, completed=done)
        )


@app.command()
def synth(
    city: Annotated[
        str, typer.Option(help="Prefecture division code (6 digits), e.g. 420200 黄石市, 370600 烟台市.")
    ] = DEFAULT_CITY,
    persons: Annotated[int, typer.Option(help="Number of people.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same city.")] = 1,
    out: Annotated[Path, typer.Option(help="Output directory (sources/, truth/, manifest.json).")] = Path(
        "synth"
    ),
) -> None:
    """Generate a synthetic city: standard addresses, people, houses, organisations, deliveries, truth."""
    manifest = run(lambda: synth_with_progress(city, persons, seed, out))
    console.print(
        f"[bold]{manifest['city']['province']}{manifest['city']['name']}[/] "
        f"({manifest['city']['code']}), {persons:,} persons, seed {seed} -> {out}"
    )
    for s in manifest["sources"]:
        console.print(
            f"  {s['source']:<12} {s['rows']:>10,} rows  {s['format']:<5} {s['encoding']:<9} {s['file']}"
        )
    truth = ", ".join(f"{k} {v['rows']:,}" for k, v in manifest["truth"].items())
    console.print(f"  truth: {truth}")
