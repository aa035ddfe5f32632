"""The quality stage alone, on the working tables of a real governance run.

    python bench/quality_bench.py capture WS DIR     # run `govern` on workspace WS, save its quality
                                                     # inputs to DIR as Parquet, stop before quality
    python bench/quality_bench.py load DIR DB --copies 10   # DuckDB file DB with the inputs, 10
                                                     # copies with altered record and entity ids
    python bench/quality_bench.py run DB OUT.parquet [--module OLD.py] [--memory 8GB]

``run`` computes ``quality`` on DB (2 threads) with the installed ``yishu.pipeline.quality`` or
with another copy of it (``git show REV:src/yishu/pipeline/quality.py > OLD.py``), writes the
table to OUT.parquet and prints the time, CPU time and peak resident set of the process as JSON.
Run each measurement in its own process; compare two outputs with ``cmp A.parquet B.parquet``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import time
from datetime import datetime
from pathlib import Path

import duckdb

INPUTS = {  # table -> id columns altered in the copies
    "gov_delivery": (),
    "gov_value": ("record_id",),
    "record_jurisdiction": ("record_id",),
    "provenance": ("record_id", "entity_id"),
    "conflict": ("entity_id",),
}


def capture(ws_home: Path, out: Path) -> None:
    from yishu.pipeline import govern, quality
    from yishu.workspace import Workspace

    class Captured(Exception):
        pass

    def save(con, as_of, **_kw):
        for table in INPUTS:
            con.execute(f"COPY {table} TO '{out / table}.parquet' (FORMAT parquet)")
        (out / "as_of.txt").write_text(as_of.isoformat())
        raise Captured

    out.mkdir(parents=True, exist_ok=True)
    quality.compute_quality = save
    try:
        govern.govern(Workspace.open(ws_home))
    except Captured:
        print("saved", out)


def altered(column: str, copy: int) -> str:
    # entity ids keep their length (P0000012345 -> P3000012345): short strings are stored inline
    if column == "entity_id":
        return f"substr(entity_id, 1, 1) || '{copy}' || substr(entity_id, 3) AS entity_id"
    return f"{column} || '~{copy}' AS {column}"


def load(src: Path, db: Path, copies: int) -> None:
    con = duckdb.connect(str(db), config={"threads": 2})
    for table, ids in INPUTS.items():
        path = f"'{src / table}.parquet'"
        parts = [f"SELECT * FROM {path}"] + [
            f"SELECT * REPLACE ({', '.join(altered(c, i) for c in ids)}) FROM {path}"
            for i in range(1, copies)
            if ids
        ]
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {' UNION ALL '.join(parts)}")
    con.execute("CHECKPOINT")
    Path(f"{db}.as_of").write_text((src / "as_of.txt").read_text())


def run(db: Path, out: Path, module: Path | None, memory: str) -> None:
    if module:
        spec = importlib.util.spec_from_file_location("quality_under_test", module)
        quality = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(quality)
    else:
        from yishu.pipeline import quality
    from yishu.pipeline.steps import run as run_steps

    as_of = datetime.fromisoformat(Path(f"{db}.as_of").read_text().strip())
    con = duckdb.connect(str(db), config={"threads": 2, "memory_limit": memory})
    steps, timings = quality.steps(as_of), {}
    started = time.perf_counter()
    run_steps(con, steps, timings=timings)
    seconds = time.perf_counter() - started
    con.execute(f"COPY quality TO '{out}' (FORMAT parquet)")
    for step in steps:
        con.execute(f"DROP TABLE IF EXISTS {step.output}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": round(seconds, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                      "peak_rss_mib": usage.ru_maxrss // 1024, "steps": timings}))  # fmt: skip


def cmp(a: Path, b: Path) -> None:
    con = duckdb.connect()
    one = con.execute(f"SELECT count(*) FROM (FROM '{a}' EXCEPT ALL FROM '{b}')").fetchone()[0]
    other = con.execute(f"SELECT count(*) FROM (FROM '{b}' EXCEPT ALL FROM '{a}')").fetchone()[0]
    print("same" if one == other == 0 else f"different: {one} rows only in {a}, {other} only in {b}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("capture")
    p.add_argument("ws", type=Path)
    p.add_argument("out", type=Path)
    p = sub.add_parser("load")
    p.add_argument("src", type=Path)
    p.add_argument("db", type=Path)
    p.add_argument("--copies", type=int, default=1)
    p = sub.add_parser("run")
    p.add_argument("db", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--module", type=Path)
    p.add_argument("--memory", default="8GB")
    p = sub.add_parser("cmp")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "capture":
        capture(args.ws, args.out)
    elif args.command == "load":
        load(args.src, args.db, args.copies)
    elif args.command == "run":
        run(args.db, args.out, args.module, args.memory)
    else:
        cmp(args.a, args.b)


if __name__ == "__main__":
    main()
