"""``yishu address``: parse, evaluate and match Chinese addresses."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yishu.cli.common import app, console, run

address_app = typer.Typer(
    help="The standard address engine: parse, evaluate, match (一标).", no_args_is_help=True
)
app.add_typer(address_app, name="address")


class CorpusFormat(StrEnum):
    ccks = "ccks"
    naacl = "naacl"


def _texts(texts: list[str]) -> list[str]:
    if texts == ["-"]:
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    return texts


def parse_one(parser, text: str, within: str | None = None) -> dict:
    from yishu.address.resolve import resolve

    return {
        "text": text,
        "elements": [e.as_dict() for e in parser.parse(text)],
        "division": resolve(text, within),
    }


@address_app.command()
def parse(
    texts: Annotated[list[str], typer.Argument(help="Address texts; '-' reads one per line from stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line per address.")] = False,
    within: Annotated[str | None, typer.Option(help="Prefecture code that settles short names.")] = None,
) -> None:
    """Label each address's elements and resolve its divisions."""
    from yishu.address.parser import default_parser

    parser = run(default_parser)
    for text in _texts(texts):
        result = parse_one(parser, text, within)
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
            continue
        console.print(f"[bold]{text}[/]")
        console.print(
            "  " + " | ".join(f"{e['label']}={e['text']}" for e in result["elements"]), highlight=False
        )
        division = " / ".join(v["name"] for v in result["division"].values() if v)
        console.print(f"  division: {division or '-'}", highlight=False)


@address_app.command("eval")
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="A labelled file (CCKS conll or NAACL).")],
    fmt: Annotated[CorpusFormat, typer.Option("--format", help="File format.")] = CorpusFormat.ccks,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per-label and overall precision, recall and F1 by exact span match."""
    from yishu.address.evaluate import evaluate_file
    from yishu.address.parser import default_parser

    if not file.is_file():
        run(lambda: (_ for _ in ()).throw(FileNotFoundError(f"{file}: no such file")))
    report = run(lambda: evaluate_file(default_parser(), file, fmt.value))
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    o = report["overall"]
    console.print(
        f"{report['addresses']:,} addresses: P {o['precision']:.4f} R {o['recall']:.4f} F1 {o['f1']:.4f}"
    )
    for label, r in report["labels"].items():
        console.print(
            f"  {label:14} P {r['precision']:.4f} R {r['recall']:.4f} F1 {r['f1']:.4f}  ({r['support']})"
        )


@address_app.command()
def match(
    a: Annotated[str, typer.Argument(help="An address.")],
    b: Annotated[
        str | None, typer.Argument(help="Another address: score whether both are the same place.")
    ] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            help="An address register (Parquet, e.g. a synth city's "
            "truth/addresses.parquet) to match A against."
        ),
    ] = None,  # fmt: skip
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score two addresses as the same place, or match one to the standard address register."""
    from yishu.address.register import AddressRegister
    from yishu.address.similarity import same_place

    if b is None and register is None:
        run(
            lambda: (_ for _ in ()).throw(ValueError("give a second address, or --register to match against"))
        )
    out: dict = {"a": a}
    if b is not None:
        score = same_place(a, b)
        out.update({"b": b, "score": score, "same_place": score >= SAME_PLACE_THRESHOLD})
    if register is not None:
        reg = run(lambda: AddressRegister.from_parquet(register))
        m = reg.match(a)
        out["match"] = m.as_dict()
        if m.address_code:
            out["jurisdiction"] = reg.jurisdiction(m.address_code)
    if as_json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for key, value in out.items():
            console.print(f"{key}: {value}", highlight=False)


SAME_PLACE_THRESHOLD = 0.8
