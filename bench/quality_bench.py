"""The quality stage alone, on the working tables of a real governance run.

    python bench/quality_bench.py capture WS DIR     # run `govern` on (a copy of) workspace WS, save
                                                     # its working database as each quality phase
                                                     # starts (DIR/values.duckdb, DIR/entities.duckdb)
    python bench/quality_bench.py run DIR/values.duckdb OUT.parquet [--module OLD.py] [--memory 8GB]

The governance run measures quality in two phases: the checks of delivered values before linkage
(so that the value table can go), the rest after survivorship (``quality.compute_quality(...,
only="values" | "entities")``). ``capture`` stops the run at the second phase. ``run`` loads one
snapshot into an in-memory database (as the run works), computes that phase (2 threads) with the
installed ``yishu.pipeline.quality`` or with another copy of it (``git show
REV:src/yishu/pipeline/quality.py > OLD.py``; it must know the same phases), writes the tables the
phase makes (``quality`` for the second) to OUT.parquet (one file per table: OUT.<table>.parquet)
and prints the time, CPU time and peak resident set of the process as JSON. Run each measurement
in its own process; compare two outputs with ``cmp A.parquet B.parquet``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

PHASES = ("values", "entities")


def _save(con, path: Path, as_of: datetime) -> None:
    path.unlink(missing_ok=True)
    con.execute(f"ATTACH '{path}' AS snapshot")
    con.execute("COPY FROM DATABASE memory TO snapshot")
    con.execute("DETACH snapshot")
    Path(f"{path}.as_of").write_text(as_of.isoformat())
    print("saved", path, flush=True)


def capture(ws_home: Path, out: Path) -> None:
    from yishu.pipeline import govern, quality
    from yishu.workspace import Workspace

    class Captured(Exception):
        pass

    compute = quality.compute_quality

    def save(con, as_of, **kw):
        phase = kw.get("only")
        _save(con, out / f"{phase}.duckdb", as_of)
        if phase == PHASES[-1]:
            raise Captured
        compute(con, as_of, **kw)

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="quality-bench-"))
    shutil.copytree(ws_home, work, dirs_exist_ok=True)  # the run is stopped: on a copy
    quality.compute_quality = save
    try:
        govern.govern(Workspace.open(work))
    except Captured:
        pass
    finally:
        quality.compute_quality = compute
        shutil.rmtree(work, ignore_errors=True)


def run(snapshot: Path, out: Path, module: Path | None, memory: str) -> None:
    if module:
        spec = importlib.util.spec_from_file_location("quality_under_test", module)
        quality = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(quality)
    else:
        from yishu.pipeline import quality
    phase = snapshot.stem
    if phase not in PHASES:
        raise SystemExit(
            f"{snapshot}: a snapshot of `capture` ({' or '.join(p + '.duckdb' for p in PHASES)})"
        )
    as_of = datetime.fromisoformat(Path(f"{snapshot}.as_of").read_text().strip())
    con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": memory,
                                             "preserve_insertion_order": False})  # fmt: skip
    con.execute(f"ATTACH '{snapshot}' AS snapshot (READ_ONLY)")
    con.execute("COPY FROM DATABASE snapshot TO memory")
    con.execute("DETACH snapshot")
    before = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    started, cpu = time.perf_counter(), time.process_time()
    quality.compute_quality(con, as_of, only=phase)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    made = sorted({r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} - before)
    for table in made:
        con.execute(f"COPY (FROM {table}) TO '{out.with_suffix(f'.{table}.parquet')}' (FORMAT parquet)")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"phase": phase, "seconds": round(seconds, 2), "cpu_s": round(cpu, 1),
                      "peak_rss_mib": usage.ru_maxrss // 1024, "tables": made}))  # fmt: skip


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
    p = sub.add_parser("run")
    p.add_argument("snapshot", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--module", type=Path)
    p.add_argument("--memory", default="8GB")
    p = sub.add_parser("cmp")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "capture":
        capture(args.ws, args.out)
    elif args.command == "run":
        run(args.snapshot, args.out, args.module, args.memory)
    else:
        cmp(args.a, args.b)


if __name__ == "__main__":
    main()
