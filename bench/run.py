"""Time a whole command over several runs and append the figures to docs/benchmarks.md.

    python bench/run.py --runs 3 --name "synth 100k" -- yishu synth --persons 100000 --out /tmp/b

Reports the median, min and max wall time and the peak resident memory of the command's process
tree (sampled every 50 ms), with the machine and the command, as one table row.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "| date | name | command | runs | median s | min s | max s | peak RSS MiB | machine |\n|---|---|---|---|---|---|---|---|---|\n"


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.machine()} {os.cpu_count()} cores {mem:.0f} GiB, Python {platform.python_version()}"


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of the command and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"command failed with exit code {proc.returncode}: {shlex.join(command)}")
    return wall, peak / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--name", required=True)
    parser.add_argument("--no-record", action="store_true", help="print the row without appending it")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    walls, peaks = [], []
    for i in range(args.runs):
        wall, peak = run_once(command)
        walls.append(wall)
        peaks.append(peak)
        print(f"run {i + 1}/{args.runs}: {wall:.2f} s, peak {peak:.0f} MiB", file=sys.stderr)
    row = (
        f"| {date.today().isoformat()} | {args.name} | `{shlex.join(command)}` | {args.runs} | "
        f"{statistics.median(walls):.2f} | {min(walls):.2f} | {max(walls):.2f} | {max(peaks):.0f} | {machine()} |\n"
    )
    print(row, end="")
    if not args.no_record:
        text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
        if HEADER not in text:
            text += "\n## Whole commands (bench/run.py)\n\n" + HEADER
        DOCS.write_text(text + row, encoding="utf-8")


if __name__ == "__main__":
    main()
