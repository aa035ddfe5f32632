"""``yishu catalog``: validate, load, list, show, search, export and map the catalogue."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yishu.catalogue import dcat, install_builtin, load_catalogue, mapping, search, sheet, store
from yishu.catalogue.sample import sample_columns
from yishu.cli.common import HomeOption, app, console, run
from yishu.workspace import Workspace

catalog_app = typer.Typer(help="The catalogue: data elements, resources, authority map (一数一源一标准).",
                          no_args_is_help=True)  # fmt: skip
app.add_typer(catalog_app, name="catalog")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


class ExportFormat(StrEnum):
    dcat_ttl = "dcat-ttl"
    dcat_jsonld = "dcat-jsonld"
    sheet_csv = "sheet-csv"
    sheet_xlsx = "sheet-xlsx"


def _folder(home, folder: Path | None) -> Path:
    return folder if folder is not None else Workspace.open(home).catalogue_dir


def _loaded(home):
    ws = Workspace.open(home)
    engine = ws.engine()
    try:
        cat = store.read(engine)
    finally:
        engine.dispose()
    if not cat.resources:
        raise RuntimeError(f"no catalogue loaded in {ws.home}; run 'yishu catalog load'")
    return cat


@catalog_app.command("init")
def init_cmd(home: HomeOption = None) -> None:
    """Install the built-in catalogue of the synthetic city's sources into the workspace."""
    ws = run(lambda: Workspace.open(home))
    written = run(lambda: install_builtin(ws.catalogue_dir, ws.settings["city"]))
    console.print(f"{len(written)} catalogue file(s) written to {ws.catalogue_dir}" if written
                  else f"{ws.catalogue_dir} already holds the built-in catalogue; nothing changed.")  # fmt: skip


@catalog_app.command()
def validate(
    folder: Annotated[
        Path | None, typer.Argument(help="Catalogue folder (default: the workspace's).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Validate every YAML file; errors name the file, line and field."""
    cat = run(lambda: load_catalogue(_folder(home, folder)))
    console.print(f"OK: {len(cat.elements)} data elements, {len(cat.resources)} resources, "
                  f"{len(cat.authority)} attributes in the authority map")  # fmt: skip


@catalog_app.command()
def load(
    folder: Annotated[
        Path | None, typer.Argument(help="Catalogue folder (default: the workspace's).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Validate, then load the catalogue into the control plane in one transaction."""
    ws = run(lambda: Workspace.open(home))
    cat = run(lambda: load_catalogue(folder or ws.catalogue_dir))
    engine = ws.engine()
    try:
        result = run(lambda: store.save(engine, cat))
    finally:
        engine.dispose()
    note = "new" if result.new_authority_version else "unchanged"
    console.print(f"Loaded {result.elements} data elements, {result.resources} resources, {result.fields} fields; "
                  f"authority map version {result.authority_version} ({note})")  # fmt: skip


@catalog_app.command("list")
def list_cmd(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List the loaded resources."""
    cat = run(lambda: _loaded(home))
    resources = sorted(cat.resources.values(), key=lambda r: r.code)
    if as_json:
        print(json.dumps([r.as_dict() for r in resources], ensure_ascii=False, indent=2))
        return
    table = Table(title="数据资源目录 (catalogue)")
    for col in ("code", "name 名称", "source 数据源", "provider 提供方", "share", "open", "grade"):
        table.add_column(col)
    for r in resources:
        table.add_row(r.code, r.name, r.source, r.provider, r.share_type, r.open_type, r.grade)
    console.print(table)


@catalog_app.command()
def show(
    resource: Annotated[str, typer.Argument(help="Resource code or source name.")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one resource: fields, data elements, grades, share and open types, authority."""
    cat = run(lambda: _loaded(home))
    r = cat.resources.get(resource) or run(lambda: cat.resource_for_source(resource))
    data = r.as_dict()
    data["authoritative_for"] = sorted(
        a for a, order in cat.authority.items() if order and order[0] == r.source
    )
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{r.code} {r.name}[/]  ({r.source}, {r.provider})")
    console.print(r.summary)
    console.print(f"share {r.share_type} ({r.share_basis or '-'}); open {r.open_type} ({r.open_basis or '-'}); "
                  f"grade {r.grade}; personal {r.personal}; updated {r.update_cycle}; released {r.release_date}")  # fmt: skip
    table = Table()
    for col in ("column 信息项", "element 数据元", "attribute", "grade", "personal", "masking"):
        table.add_column(col)
    for f in r.fields:
        table.add_row(f.column, f.element, f.attribute or "-", f.grade, f.personal, f.masking)
    console.print(table)
    if data["authoritative_for"]:
        console.print("Authoritative source for: " + ", ".join(data["authoritative_for"]))


@catalog_app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Text to search for, e.g. 高龄 or 身份证.")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search resources by name, summary, columns and data elements (Chinese text)."""
    cat = run(lambda: _loaded(home))
    hits = run(lambda: search(cat, query))
    if as_json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print(f"No resource matches {query!r}.")
    for h in hits:
        console.print(
            f"[bold]{h.resource.code}[/] {h.resource.name}  [dim]{'; '.join(h.reasons)}[/]", highlight=False
        )


@catalog_app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    base: Annotated[
        str, typer.Option(help="Base URL of the portal, for DCAT identifiers.")
    ] = "http://localhost:8000/",
    home: HomeOption = None,
) -> None:
    """Export DCAT-AP 3 (Turtle, JSON-LD) or the government catalogue sheet (CSV, XLSX)."""
    cat = run(lambda: _loaded(home))
    if fmt is ExportFormat.sheet_xlsx:
        if output is None:
            run(lambda: (_ for _ in ()).throw(ValueError("sheet-xlsx needs -o FILE")))
        sheet.to_xlsx(cat, output)
        console.print(f"Wrote {output}")
        return
    text = sheet.to_csv(cat) if fmt is ExportFormat.sheet_csv else dcat.export(cat, fmt.value, base)
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}")


@catalog_app.command("map")
def map_cmd(
    path: Annotated[Path, typer.Argument(help="A delivery file (CSV, JSON lines, Excel, Parquet).")],
    source: Annotated[str, typer.Option("--source", help="The source that delivered it.")],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Keep the mapping as confirmed for the source.")
    ] = False,
    override: Annotated[
        list[str] | None, typer.Option("--set", help="COLUMN=ELEMENT, overriding a suggestion.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who confirms.")] = "cli",
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest data elements for a delivery's columns from their names and content."""
    ws = run(lambda: Workspace.open(home))
    engine = ws.engine()
    try:
        cat = store.read(engine)
        if not cat.elements:
            cat = run(lambda: load_catalogue(ws.catalogue_dir))
        columns = run(lambda: sample_columns(path))
        confirmed = store.confirmed_mappings(engine, source).get(source, {})
        suggestions = mapping.suggest(cat, columns, confirmed)
        chosen = {s.column: s.element for s in suggestions if s.element}
        for item in override or []:
            column, sep, element = item.partition("=")
            if not sep or element not in cat.elements:
                run(
                    lambda item=item: (_ for _ in ()).throw(
                        ValueError(f"--set {item}: need COLUMN=ELEMENT with a known element")
                    )
                )
            chosen[column] = element
        if confirm:
            store.confirm_mapping(engine, source, chosen, by)
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps([s.as_dict() for s in suggestions], ensure_ascii=False, indent=2))
    else:
        table = Table(title=f"Column mapping for {source}")
        for col in ("column", "element", "score", "personal", "why"):
            table.add_column(col)
        for s in suggestions:
            table.add_row(s.column, chosen.get(s.column) or "-", f"{s.score:.2f}", "yes" if s.personal else "",
                          "; ".join(s.reasons))  # fmt: skip
        console.print(table)
    if confirm:
        console.print(f"Confirmed {len(chosen)} column mapping(s) for {source}.")
