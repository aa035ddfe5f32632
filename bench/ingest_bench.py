"""Time ingest_manifest on a synth city, each run into a fresh workspace.

    python bench/ingest_bench.py /work/bench-out/city-100000 --runs 3

Prints the wall and CPU seconds of each run and their medians. CPU seconds say more than wall
seconds when other work shares the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from yishu.pipeline.ingest import ingest_manifest
from yishu.workspace import Workspace


def run_once(city: Path, home: Path) -> tuple[float, float, int]:
    shutil.rmtree(home, ignore_errors=True)
    ws = Workspace.init(home, city="420200", engine_threads=2).workspace
    cpu, wall = time.process_time(), time.perf_counter()
    results = ingest_manifest(ws, city / "manifest.json")
    return time.perf_counter() - wall, time.process_time() - cpu, sum(r.rows_in for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("city", type=Path, help="a synth city folder with manifest.json")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            wall, cpu, rows = run_once(args.city, Path(tmp) / "ws")
            walls.append(wall)
            cpus.append(cpu)
            print(f"run {i + 1}: {rows} rows, wall {wall:.2f} s, cpu {cpu:.2f} s")
    print(f"median wall {statistics.median(walls):.2f} s, median cpu {statistics.median(cpus):.2f} s")


if __name__ == "__main__":
    main()
