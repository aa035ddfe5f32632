"""The demo: a fresh workspace, a synthetic city, and the whole pipeline measured against its truth.

Workspace -> synthetic city (``synth``) -> the built-in catalogue loaded -> every delivery ingested
(归集) -> the city's standard address register installed -> one governance run (conform, addresses,
linkage, survivorship, tasks, quality) building release 1 -> that release measured against the truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.pipeline import standardise
from yishu.pipeline.evaluation import evaluate
from yishu.pipeline.govern import GovernResult, govern
from yishu.pipeline.ingest import IngestResult, ingest_manifest
from yishu.synth import generate
from yishu.workspace import Workspace


@dataclass
class DemoResult:
    workspace: Workspace
    city_dir: Path
    manifest: dict[str, Any]
    catalogue: catalogue_store.LoadResult | None = None
    ingested: list[IngestResult] = field(default_factory=list)
    governed: GovernResult | None = None
    evaluation: dict[str, Any] = field(default_factory=dict)


def run_demo(
    home: str | Path | None, persons: int = 20_000, seed: int = 1, progress=None, step=None
) -> DemoResult:
    """``progress(done, total)`` reports the synthetic city; ``step(name)`` each later stage."""
    say = step or (lambda _name: None)
    ws = Workspace.init(home).workspace
    started = datetime.now(UTC)
    city_dir = ws.data_dir / "synth"
    manifest = generate(ws.settings["city"], persons, seed, city_dir, progress=progress)
    result = DemoResult(ws, city_dir, manifest)
    engine = ws.engine()
    try:
        say("loading the catalogue")
        install_builtin(ws.catalogue_dir, ws.settings["city"])
        result.catalogue = catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
        say("ingesting the deliveries")
        result.ingested = ingest_manifest(ws, city_dir / "manifest.json")
        standardise.install_register(ws, city_dir / "truth" / "addresses.parquet")
        result.governed = govern(ws, progress=say)
        say("measuring against the truth")
        result.evaluation = evaluate(result.governed.release, city_dir / "truth")
        with engine.begin() as conn:
            run = sa.table("run", *(sa.column(c) for c in ("command", "arguments", "started_at", "finished_at",
                                                          "status", "summary")))  # fmt: skip
            conn.execute(
                sa.insert(run).values(
                    command="demo",
                    arguments=json.dumps({"persons": persons, "seed": seed}),
                    started_at=started,
                    finished_at=datetime.now(UTC),
                    status="ok",
                    summary=json.dumps(
                        {
                            "release": result.governed.release.id,
                            "sources": {s["source"]: s["rows"] for s in manifest["sources"]},
                        },
                        ensure_ascii=False,
                    ),  # fmt: skip
                )
            )
    finally:
        engine.dispose()
    return result
