"""``yishu check``: the verdict on values, with their parsed parts."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from yishu.cli.common import app, console, run
from yishu.standards import citizen_id, dates, divisions, phone, uscc


class Kind(StrEnum):
    id = "id"
    uscc = "uscc"
    phone = "phone"
    date = "date"
    division = "division"


def _check_id(value: str) -> dict[str, object]:
    try:
        return {"valid": True, **citizen_id.parse(value).as_dict()}
    except ValueError as exc:
        return {"valid": False, "reason": str(exc), "candidates": citizen_id.repair_candidates(value)}


def _check_division(value: str) -> dict[str, object]:
    info = divisions.describe(value) if value.strip().isascii() and value.strip().isdigit() else None
    if info is None:
        found = divisions.find(value)
        if not found:
            raise KeyError(f"{value}: no division with this name")
        return {
            "valid": True,
            "matches": [
                {"code": d.code, "level": d.level, "full_name": divisions.full_name(d.code)} for d in found
            ],
        }
    return {
        "valid": True,
        "code": info.code,
        "name": info.name,
        "full_name": info.full_name,
        "level": info.level,
        "current": info.current,
        "history": [f"{h.name} [{h.start or ''}-{h.end or ''}]" for h in info.history],
    }


CHECKS: dict[Kind, Callable[[str], dict[str, object]]] = {
    Kind.id: _check_id,
    Kind.uscc: lambda v: {"valid": True, **uscc.parse(v).as_dict()},
    Kind.phone: lambda v: {"valid": True, **phone.parse_phone(v).as_dict()},
    Kind.date: lambda v: {"valid": True, "date": dates.normalise_date(v)},
    Kind.division: _check_division,
}


def check_value(kind: Kind, value: str) -> dict[str, object]:
    """The verdict on one value as a dict: ``value``, ``kind``, ``valid`` and parts or ``reason``."""
    try:
        result = CHECKS[kind](value)
    except (ValueError, KeyError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        result = {"valid": False, "reason": reason}
    return {"value": value, "kind": kind.value, **result}


def _kind(name: str) -> Kind:
    try:
        return Kind(name)
    except ValueError:
        raise ValueError(f"unknown kind {name!r}: use one of {', '.join(k.value for k in Kind)}") from None


def _show(result: dict[str, object]) -> None:
    verdict = "[green]valid 有效[/]" if result["valid"] else "[red]invalid 无效[/]"
    table = Table(title=f"{result['value']}  {verdict}", show_header=False, title_justify="left")
    for key, value in result.items():
        if key in ("value", "valid"):
            continue
        if isinstance(value, list):
            value = "\n".join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v) for v in value
            )
            value = value or "-"
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


@app.command()
def check(
    kind: Annotated[str, typer.Argument(help="What the values are: id, uscc, phone, date, division.")],
    values: Annotated[list[str], typer.Argument(help="Values to check.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per value.")] = False,
) -> None:
    """Check values against the national standards; invalid citizen IDs get repair candidates."""
    results = run(lambda: [check_value(_kind(kind), v) for v in values])
    for result in results:
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            _show(result)
