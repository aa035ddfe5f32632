"""The demo: a fresh workspace, a small synthetic city, and every stage that exists so far."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from yishu.address import AddressRegister
from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.linkage import LinkResult, evaluate, link, prepare_city
from yishu.standards import citizen_id
from yishu.synth import generate
from yishu.synth.reader import read_delivery
from yishu.workspace import Workspace

ID_ROLES = ("citizen_id", "disability_no")


@dataclass
class DemoResult:
    workspace: Workspace
    city_dir: Path
    manifest: dict[str, Any]
    id_conformance: dict[str, Counter] = field(default_factory=dict)
    catalogue: catalogue_store.LoadResult | None = None
    addresses: dict[str, float] = field(default_factory=dict)
    linkage: LinkResult | None = None
    linkage_quality: dict[str, Any] = field(default_factory=dict)


def id_conformance(city_dir: Path, manifest: dict[str, Any]) -> dict[str, Counter]:
    """Per source with a citizen-ID column: rows whose ID passes GB 11643, fails it, or is empty."""
    out: dict[str, Counter] = {}
    for src in manifest["sources"]:
        col = next((c for c in src["columns"] if c["role"] in ID_ROLES), None)
        if col is None:
            continue
        tally: Counter = Counter()
        for row in read_delivery(city_dir, src):
            value = row.get(col["name"])
            value = "" if value is None else str(value).strip()
            if col["role"] == "disability_no" and len(value) in (17, 20):
                value = value[:-2]
            if not value:
                tally["empty"] += 1
            elif len(value) == 15 and value.isdigit():
                tally["legacy15"] += 1
            elif citizen_id.is_valid_check(value):
                tally["valid"] += 1
            else:
                tally["invalid"] += 1
        out[src["source"]] = tally
    return out


def address_accuracy(city_dir: Path, manifest: dict[str, Any]) -> dict[str, float]:
    """Every delivered address text matched to the register: share matched, share right."""
    register = AddressRegister.from_parquet(city_dir / "truth" / "addresses.parquet")
    with duckdb.connect() as con:
        truth = {
            (s, r): c
            for s, r, c in con.execute(
                f"SELECT source, row_number, address_code FROM read_parquet('{city_dir / 'truth' / 'records.parquet'}')"
            ).fetchall()
        }
    texts, codes = [], []
    for src in manifest["sources"]:
        column = next((c["name"] for c in src["columns"] if c["role"] == "address"), None)
        if column:
            for i, row in enumerate(read_delivery(city_dir, src), start=1):
                texts.append(row.get(column) or "")
                codes.append(truth[(src["source"], i)])
    matches = register.match_many(texts)
    right = sum(m.address_code == c for m, c in zip(matches, codes, strict=True))
    matched = sum(m.address_code is not None for m in matches)
    return {"texts": len(texts), "matched": matched / len(texts), "accuracy": right / len(texts)}


def run_demo(home: str | Path | None, persons: int = 20_000, seed: int = 1, progress=None) -> DemoResult:
    ws = Workspace.init(home).workspace
    started = datetime.now(UTC)
    city_dir = ws.data_dir / "synth"
    manifest = generate(ws.settings["city"], persons, seed, city_dir, progress=progress)
    result = DemoResult(ws, city_dir, manifest, id_conformance(city_dir, manifest))
    engine = ws.engine()
    try:
        install_builtin(ws.catalogue_dir, ws.settings["city"])
        result.catalogue = catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
        result.addresses = address_accuracy(city_dir, manifest)
        con = duckdb.connect(str(ws.duckdb_path))
        try:
            prepare_city(con, city_dir)
            result.linkage = link(con)
            result.linkage_quality = evaluate(con, city_dir / "truth")
        finally:
            con.close()
        with engine.begin() as conn:
            run = sa.table(
                "run",
                sa.column("command"),
                sa.column("arguments"),
                sa.column("started_at"),
                sa.column("finished_at"),
                sa.column("status"),
                sa.column("summary"),
            )
            conn.execute(
                sa.insert(run).values(
                    command="demo",
                    arguments=json.dumps({"persons": persons, "seed": seed}),
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    status="ok",
                    summary=json.dumps(
                        {s["source"]: s["rows"] for s in manifest["sources"]}, ensure_ascii=False
                    ),
                )
            )
    finally:
        engine.dispose()
    return result
