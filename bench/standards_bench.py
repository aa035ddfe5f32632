"""Citizen ID checks per second inside DuckDB.

Generates N citizen IDs in SQL (real county codes, real birth dates, correct check characters;
one in ten with a corrupted digit), then times ``yishu_id_check_ok`` (form and check character),
``yishu_id_valid18`` (check, birth date, current or historical county, on compact values) and
``yishu_id_valid`` (the same from raw text: compacting and 15-digit upgrade first) over all of them.
Prints one markdown table row per function: machine, command, median of the runs, checks/s.

    python bench/standards_bench.py [--rows 10000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import duckdb

from yishu.standards import divisions, sql


def make_ids(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    counties = sorted(c for c in divisions.current_county_codes() if not c.endswith("00"))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_county AS SELECT unnest(?::VARCHAR[]) AS code", [counties]
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bench_body AS
        SELECT i,
               (SELECT list(code ORDER BY code) FROM bench_county)[1 + (hash(i) % {len(counties)})::INTEGER]
               || strftime(DATE '1930-01-01' + CAST(hash(i * 7 + 1) % 32000 AS INTEGER), '%Y%m%d')
               || lpad(CAST(hash(i * 13 + 5) % 1000 AS VARCHAR), 3, '0') AS body
        FROM range({rows}) t(i)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bench_ids AS
        SELECT CASE WHEN i % 10 = 0
                    THEN substring(id, 1, 11)
                         || CAST((CAST(substring(id, 12, 1) AS INTEGER) + 1) % 10 AS VARCHAR)
                         || substring(id, 13)
                    ELSE id END AS v
        FROM (SELECT i, body || {sql.id_check_char("body")} AS id FROM bench_body)
        """
    )
    con.execute("DROP TABLE bench_body")


def time_function(con: duckdb.DuckDBPyConnection, function: str, runs: int) -> tuple[float, int]:
    times, valid = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        valid = con.execute(f"SELECT count(*) FILTER (WHERE {function}(v)) FROM bench_ids").fetchall()[0][0]
        times.append(time.perf_counter() - start)
    return statistics.median(times), valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect()
    sql.register(con)
    make_ids(con, args.rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, DuckDB {duckdb.__version__}, Python {platform.python_version()}"
    command = "python " + " ".join(["bench/standards_bench.py", *sys.argv[1:]])
    print("| machine | command | function | rows | valid | median s | checks/s |")
    print("|---|---|---|---|---|---|---|")
    # check_ok: form and check character; valid18: full validity of a compact value (how the pipeline
    # holds IDs after conforming); valid: full validity from raw text (compacting, 15-digit upgrade)
    for function in ("yishu_id_check_ok", "yishu_id_valid18", "yishu_id_valid"):
        seconds, valid = time_function(con, function, args.runs)
        print(
            f"| {machine} | `{command}` | {function} | {args.rows:,} | {valid:,} | {seconds:.2f} "
            f"| {args.rows / seconds / 1e6:.1f} M |"
        )


if __name__ == "__main__":
    main()
