"""Entity resolution: our engine against plain Splink on FEBRL 4a/4b, and on synthetic cities.

    python bench/linkage_bench.py febrl                 # both engines, same run, F1 and time
    python bench/linkage_bench.py city --persons 50000  # F1 against the truth, linkage time
    python bench/linkage_bench.py city --persons 200000 # about a million source records: time

Plain Splink uses the settings of Splink's FEBRL4 example (link_only, name, date of birth,
address and social-security comparisons, EM training). Our engine scores the same pairs and then
links each record to its best partner only (a delivery of distinct people links one to one), as
it does for keyless records. Prints markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "record_linkage"


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, DuckDB {duckdb.__version__}"


def f1(pred: set, truth: set) -> tuple[float, float, float]:
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def febrl() -> None:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("splink")] + ["splink"]:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    con = duckdb.connect()
    for t in ("4a", "4b"):
        con.execute(
            f"""CREATE TABLE febrl{t} AS SELECT trim(rec_id) AS rec_id, * EXCLUDE (rec_id),
                regexp_extract(trim(rec_id), 'rec-([0-9]+)', 1) AS cluster
                FROM read_csv('{SHARED}/dataset{t}.csv', all_varchar=true, normalize_names=true)"""
        )
    truth = {(a, b) for a, b in con.execute(
        "SELECT a.rec_id, b.rec_id FROM febrl4a a JOIN febrl4b b USING (cluster)").fetchall()}  # fmt: skip
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname AND l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number"),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    start = time.perf_counter()
    db = DuckDBAPI(con)
    linker = Linker([db.register("febrl4a"), db.register("febrl4b")], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname"), block_on("date_of_birth", "soc_sec_id")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("given_name", "surname"), block_on("date_of_birth")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pairs = linker.inference.predict(threshold_match_probability=0.5).physical_name
    splink_seconds = time.perf_counter() - start
    plain = {(a, b) if a.startswith("rec") and a in _ids(con, "4a") else (b, a) for a, b in con.execute(
        f"SELECT rec_id_l, rec_id_r FROM {pairs}").fetchall()}  # fmt: skip
    start = time.perf_counter()
    # ours: the same scores, then each record keeps only its best partner (one to one)
    ours = set(con.execute(
        f"""WITH s AS (SELECT rec_id_l AS a, rec_id_r AS b, match_weight FROM {pairs}),
                 best_a AS (SELECT a, arg_max(b, match_weight) AS b FROM s GROUP BY a),
                 best_b AS (SELECT b, arg_max(a, match_weight) AS a FROM s GROUP BY b)
            SELECT a, b FROM best_a JOIN best_b USING (a, b)""").fetchall())  # fmt: skip
    ours = {(a, b) if a in _ids(con, "4a") else (b, a) for a, b in ours}
    ours_seconds = splink_seconds + time.perf_counter() - start
    print("| machine | data | engine | precision | recall | F1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    for label, pred, seconds in (("plain Splink (FEBRL4 example settings)", plain, splink_seconds),
                                 ("yishu (same scores, one-to-one best partner)", ours, ours_seconds)):  # fmt: skip
        p, r, f = f1(pred, truth)
        print(f"| {machine()} | FEBRL 4a/4b | {label} | {p:.4f} | {r:.4f} | {f:.4f} | {seconds:.1f} |")


_ID_CACHE: dict[str, set] = {}


def _ids(con, t: str) -> set:
    if t not in _ID_CACHE:
        _ID_CACHE[t] = {r[0] for r in con.execute(f"SELECT rec_id FROM febrl{t}").fetchall()}
    return _ID_CACHE[t]


def city(persons: int, seed: int, city_code: str) -> None:
    from yishu.linkage import evaluate, link, prepare_city
    from yishu.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "city"
        generate(city_code, persons, seed, out)
        con = duckdb.connect(str(Path(tmp) / "link.duckdb"))
        start = time.perf_counter()
        counts = prepare_city(con, out)
        prepared = time.perf_counter() - start
        start = time.perf_counter()
        result = link(con)
        linked = time.perf_counter() - start
        metrics = evaluate(con, out / "truth")
        plain_f1, plain_seconds = plain_splink_city(con, out / "truth")
    records = sum(counts.values())
    person = metrics["person"]
    print(
        "| machine | city | persons | records | prepare s | link s | person F1 (valid/repairable ID) | person F1 (no ID) | person F1 | organisation F1 | house F1 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {machine()} | {city_code} seed {seed} | {persons:,} | {records:,} | {prepared:.1f} | {linked:.1f} "
          f"| {person['with_id']['f1']:.4f} | {person['without_id']['f1']:.4f} | {person['f1']:.4f} "
          f"| {metrics['organisation']['f1']:.4f} | {metrics['house']['f1']:.4f} |")  # fmt: skip
    print(f"\nplain Splink on the same person records (dedupe, EM, citizen ID as a fuzzy comparison, clusters "
          f"at 0.95): person F1 {plain_f1:.4f} in {plain_seconds:.1f} s; yishu: person F1 {person['f1']:.4f} "
          f"in {linked:.1f} s (all entity types)")  # fmt: skip
    print(result.as_dict(), file=sys.stderr)


def plain_splink_city(con, truth_dir: Path) -> tuple[float, float]:
    """Plain Splink on the person records, set up as its documentation suggests for people: names,
    date of birth, the ID number compared with edit distance, phone and address; EM training."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    for name in [n for n in logging.root.manager.loggerDict if n.startswith("splink")] + ["splink"]:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    con.execute("CREATE OR REPLACE TABLE plain_input AS SELECT record_id, coalesce(citizen_id, id_raw) AS id_no, "
                "name, CAST(birth_date AS VARCHAR) AS dob, phone, address FROM link_person")  # fmt: skip
    start = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[block_on("id_no"), block_on("name", "dob"), block_on("phone"),
                                                block_on("name", "address")],
        comparisons=[cl.LevenshteinAtThresholds("id_no", [1, 2]), cl.NameComparison("name"),
                     cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
                     cl.ExactMatch("phone"), cl.JaroWinklerAtThresholds("address", [0.9, 0.7])],
    )  # fmt: skip
    db = DuckDBAPI(con)
    linker = Linker(db.register("plain_input"), settings)
    linker.training.estimate_probability_two_random_records_match([block_on("id_no")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("name", "dob"), block_on("phone")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pairs = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.95).physical_name
    seconds = time.perf_counter() - start
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE plain_eval AS
            SELECT c.record_id AS key, c.cluster_id AS entity_id, t.entity_id AS truth_id
            FROM {clusters} c JOIN link_person p USING (record_id)
            JOIN read_parquet('{truth_dir / "records.parquet"}') t ON t.source = p.source AND t.row_number = p.row_number"""
    )

    def count(on):
        return con.execute(
            f"SELECT count(*) FROM plain_eval a JOIN plain_eval b ON {on} AND a.key < b.key"
        ).fetchall()[0][0]

    tp, pp, tt = (count("a.entity_id = b.entity_id AND a.truth_id = b.truth_id"), count("a.entity_id = b.entity_id"),
                  count("a.truth_id = b.truth_id"))  # fmt: skip
    p, r = tp / pp, tp / tt
    return 2 * p * r / (p + r), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["febrl", "city"])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--city", default="420200")
    args = parser.parse_args()
    if args.what == "febrl":
        febrl()
    else:
        city(args.persons, args.seed, args.city)


if __name__ == "__main__":
    main()
