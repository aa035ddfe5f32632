"""Address register matching against a governance run's own results: speed, memory and identity.

    python bench/register_bench.py REGISTER.parquet SNAPSHOT.duckdb [--sample 300000] [--processes 2]

REGISTER is a register Parquet (a synth city's ``truth/addresses.parquet``), SNAPSHOT a DuckDB file of
a governance run on that city after standardisation (read only): its ``address_match`` table is the
oracle. Reported, each the median of ``RUNS`` runs:

1. the register build from Parquet, CPU time, and the growth of this process's RSS it leaves;
2. ``_match_row`` per text in one process, CPU time (other work shares the cores: the clock is not
   fair), over a seeded sample of the oracle's texts in random order and sorted (as ``match_texts``
   reads them);
3. every oracle text matched as ``match_texts`` does (chunks, forked processes), by the clock, and
   the number of rows that differ from the oracle (0 expected).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from functools import partial

import duckdb

from yishu.address.register import AddressRegister
from yishu.parallel import fork_map
from yishu.pipeline.standardise import CHUNK, _match_row

RUNS = 3


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("register")
    parser.add_argument("snapshot")
    parser.add_argument("--sample", type=int, default=300_000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    con = duckdb.connect(args.snapshot, read_only=True)
    con.execute("SET enable_progress_bar=false")
    oracle = con.execute("SELECT * FROM address_match ORDER BY text").fetchall()
    texts = [row[0] for row in oracle]
    sample = random.Random(1).sample(texts, min(args.sample, len(texts)))

    builds, grown = [], []
    for _ in range(RUNS):
        register = None
        gc.collect()
        before, start = rss_mib(), time.process_time()
        register = AddressRegister.from_parquet(args.register)
        builds.append(time.process_time() - start)
        gc.collect()
        grown.append(rss_mib() - before)
    print(f"register build: {statistics.median(builds):.2f} s CPU, RSS +{statistics.median(grown):.0f} MiB")

    for order, values in (("random order", sample), ("sorted", sorted(sample))):
        per_text = []
        for _ in range(RUNS):
            register._recent.clear()  # each run starts with no matches kept from the last
            start = time.process_time()
            rows = [_match_row(register, text) for text in values]
            per_text.append((time.process_time() - start) / len(values) * 1e6)
            del rows
        print(
            f"match, one process, {order}: {statistics.median(per_text):.1f} µs CPU a text ({len(values):,} texts)"
        )

    walls, differ = [], 0
    for _ in range(RUNS):
        register._recent.clear()
        start = time.perf_counter()
        got = []
        for first in range(0, len(texts), CHUNK):
            got += fork_map(partial(_match_row, register), texts[first : first + CHUNK], args.processes)
        walls.append(time.perf_counter() - start)
        differ = sum(tuple(row[1:]) != found for row, found in zip(oracle, got, strict=True))
    print(f"match, {args.processes} processes: {statistics.median(walls):.1f} s for {len(texts):,} texts, "
          f"{differ} rows differ from the snapshot")  # fmt: skip


if __name__ == "__main__":
    main()
