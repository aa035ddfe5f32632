"""The verification loop (一次排查、多方复用) measured: grid workers who answer the open conflict tasks
truthfully, and what that does to the golden records.

    python bench/verification_loop.py --city /work/bench-out/city-50000

Governs the city, answers every open conflict task from the truth (the value the truth holds for
that attribute: 'choose' when it is among the candidates, else 'enter'), governs again and measures
both releases. Prints golden attribute accuracy before and after, per attribute.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.pipeline import standardise, tasks
from yishu.pipeline.evaluation import TRUTH, evaluate
from yishu.pipeline.govern import govern
from yishu.pipeline.ingest import ingest_manifest
from yishu.workspace import Workspace


def truth_values(release, truth: Path) -> dict[tuple[str, str, str], str]:
    """(entity_type, entity_id, attribute) -> the true value, for the attributes the truth has."""
    out = {}
    con = release.connect()
    con.execute(f"CREATE VIEW truth_records AS SELECT * FROM read_parquet('{truth / 'records.parquet'}')")
    for entity_type, (file, key, columns) in TRUTH.items():
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE truth_of AS SELECT l.entity_id, mode(t.{key}) AS truth_id
                FROM link l JOIN truth_records t ON t.source = l.source AND t.row_number = l.row_number
                WHERE l.entity_type = '{entity_type}' GROUP BY 1"""
        )
        for column, expr in columns.items():
            attribute = f"{entity_type}.{column.removesuffix('_code')}"
            rows = con.execute(
                f"""SELECT o.entity_id, CAST({expr} AS VARCHAR) FROM truth_of o
                    JOIN read_parquet('{truth / file}') t ON t.{key} = o.truth_id"""
            ).fetchall()
            for entity_id, value in rows:
                out[(entity_type, entity_id, attribute)] = value
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--city", required=True, type=Path)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="loop-"))
    try:
        manifest = json.loads((args.city / "manifest.json").read_text("utf-8"))
        ws = Workspace.init(home, city=manifest["city"]["code"]).workspace
        install_builtin(ws.catalogue_dir, ws.settings["city"])
        engine = ws.engine()
        catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
        engine.dispose()
        ingest_manifest(ws, args.city / "manifest.json")
        standardise.install_register(ws, args.city / "truth" / "addresses.parquet")
        first = govern(ws)
        before = evaluate(first.release, args.city / "truth")
        truth = truth_values(first.release, args.city / "truth")
        answered = skipped = 0
        for task in tasks.list_tasks(ws, "open", limit=None):
            if task["kind"] != "conflict":
                continue
            value = truth.get((task["entity_type"], task["entity_id"], task["attribute"]))
            if value is None:
                skipped += 1
                continue
            candidates = [c["value"] for c in task["question"]["candidates"]]
            action = "choose" if value in candidates else "enter"
            tasks.answer_task(ws, task["task_id"], {"action": action, "value": value}, "bench-grid-worker")
            answered += 1
        second = govern(ws)
        after = evaluate(second.release, args.city / "truth")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"conflict tasks answered from the truth: {answered} (no true value to give: {skipped})")
    print(f"golden attribute accuracy: {before['attribute_accuracy']['accuracy']:.4f} -> "
          f"{after['attribute_accuracy']['accuracy']:.4f}")  # fmt: skip
    for name, b in before["attribute_accuracy"]["attributes"].items():
        a = after["attribute_accuracy"]["attributes"][name]
        if a["accuracy"] != b["accuracy"]:
            print(f"  {name}: {b['accuracy']} -> {a['accuracy']}")


if __name__ == "__main__":
    main()
