"""The governance pipeline end to end on a synthetic city: ingest, govern, evaluate against the truth.

    python bench/governance_bench.py --persons 50000            # city cached in /work/bench-out
    python bench/governance_bench.py --persons 1000000 --out DIR

Prints a markdown row for docs/benchmarks.md: persons, source records, ingest and govern seconds,
records per second, peak resident memory of this process (DuckDB runs in it), and the figures the
issue asks for (reconciliation, person F1, golden attribute accuracy, address code accuracy), plus
the time of each pipeline step. While it runs it prints each step as it starts, with the resident
memory then and the peak so far.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.pipeline import standardise
from yishu.pipeline.evaluation import evaluate
from yishu.pipeline.govern import govern
from yishu.pipeline.ingest import ingest_manifest
from yishu.synth import generate
from yishu.workspace import Workspace


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """Resident memory now (Linux), to see which step raises the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--city", default="420200")
    parser.add_argument("--out", default="/work/bench-out", help="where cities are kept between runs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="8GB")
    args = parser.parse_args()
    city = Path(args.out) / (f"city-{args.persons}" if args.city == "420200" and args.seed == 1
                             else f"city-{args.city}-{args.persons}-{args.seed}")  # fmt: skip
    if not (city / "manifest.json").is_file():
        generate(args.city, args.persons, args.seed, city)
    manifest = json.loads((city / "manifest.json").read_text("utf-8"))
    records = sum(s["rows"] for s in manifest["sources"])
    home = Path(tempfile.mkdtemp(prefix="govbench-", dir=args.out))
    try:
        ws = Workspace.init(home, city=args.city, engine_threads=args.threads,
                            engine_memory_limit=args.memory_limit).workspace  # fmt: skip
        install_builtin(ws.catalogue_dir, ws.settings["city"])
        engine = ws.engine()
        catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
        engine.dispose()
        t = time.perf_counter()
        ingest_manifest(ws, city / "manifest.json")
        ingest_s = time.perf_counter() - t
        standardise.install_register(ws, city / "truth" / "addresses.parquet")
        t = time.perf_counter()
        result = govern(
            ws,
            progress=lambda step: print(
                f"  {time.perf_counter() - t:8.1f} s  rss {rss_mib():6.0f} MiB  "
                f"peak {peak_mib():6.0f} MiB  {step}",
                flush=True,
            ),
        )
        govern_s = time.perf_counter() - t
        report = evaluate(result.release, city / "truth")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    total = ingest_s + govern_s
    figures = {
        "persons": args.persons, "records": records, "ingest_s": round(ingest_s, 1), "govern_s": round(govern_s, 1),
        "records_per_s": round(records / total), "peak_mib": round(peak_mib()),
        "reconciliation_exact": report["reconciliation"]["exact"],
        "person_f1": report["linkage"]["person"]["f1"], "organisation_f1": report["linkage"]["organisation"]["f1"],
        "house_f1": report["linkage"]["house"]["f1"],
        "attribute_accuracy": report["attribute_accuracy"]["accuracy"],
        "address_code_accuracy": report["address_code_accuracy"]["accuracy"],
        "tasks": result.counts["task"], "steps": result.timings,
    }  # fmt: skip
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"| {args.persons:,} | {records:,} | {ingest_s:.0f} | {govern_s:.0f} | {records / total:,.0f} | "
          f"{peak_mib():,.0f} | {'yes' if figures['reconciliation_exact'] else 'NO'} | {figures['person_f1']:.4f} | "
          f"{figures['attribute_accuracy']:.4f} | {figures['address_code_accuracy']:.4f} |")  # fmt: skip


if __name__ == "__main__":
    main()
