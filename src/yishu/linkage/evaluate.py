"""Pairwise and cluster precision, recall and F1 per entity type, against the synthetic truth.

Pairwise: a pair of records is predicted when both got the same entity id, true when the truth
gives them the same entity. For a subset of records (those with a valid or repairable ID, those with
none), the pairs counted are those with at least one record in the subset. Cluster: a predicted
cluster is correct when it holds exactly the records of one true entity.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yishu.duck import tables as duck_tables


def _pairs(con, subset: str = "true") -> dict:
    """Pair counts over pairs with at least one record for which ``subset`` holds."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE eval_s AS SELECT *, ({subset}) AS in_s FROM eval_join")

    def count(on: str) -> int:
        return con.execute(
            f"SELECT count(*) FROM eval_s a JOIN eval_s b ON {on} AND a.key < b.key WHERE a.in_s OR b.in_s"
        ).fetchall()[0][0]

    tp = count("a.entity_id = b.entity_id AND a.truth_id = b.truth_id")
    pp = count("a.entity_id = b.entity_id")
    tt = count("a.truth_id = b.truth_id")
    records = con.execute("SELECT count(*) FROM eval_s WHERE in_s").fetchall()[0][0]
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": records, "true_pairs": tt, "predicted_pairs": pp, "correct_pairs": tp,
            "precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}  # fmt: skip


def evaluate(con: duckdb.DuckDBPyConnection, truth_dir: str | Path) -> dict:
    """Compare ``link_result`` with ``truth_dir/records.parquet``."""
    truth = Path(truth_dir) / "records.parquet"
    if not truth.is_file():
        raise FileNotFoundError(f"{truth}: no truth records (expected a synth city's truth folder)")
    out = {}
    tables = duck_tables(con)
    states = (
        "SELECT record_id, id_state FROM link_person"
        if "link_person" in tables
        else "SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS id_state WHERE false"
    )
    for entity_type in ("person", "organisation", "house"):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE eval_join AS
            SELECT r.record_id AS key, r.entity_id, t.entity_id AS truth_id,
                   coalesce(p.id_state, 'valid') AS id_state
            FROM link_result r
            JOIN read_parquet('{truth}') t ON t.source = r.source AND t.row_number = r.row_number
            LEFT JOIN ({states}) p ON '{entity_type}' = 'person' AND p.record_id = r.record_id
            WHERE r.entity_type = '{entity_type}' AND t.entity_type = '{entity_type}'
            """
        )
        if con.execute("SELECT count(*) FROM eval_join").fetchall()[0][0] == 0:
            continue
        con.execute(f"CREATE OR REPLACE TEMP TABLE eval_join_{entity_type} AS SELECT * FROM eval_join")
        result = _pairs(con)
        clusters = con.execute(
            """
            WITH p AS (SELECT entity_id, list(key ORDER BY key) AS m FROM eval_join GROUP BY 1),
                 t AS (SELECT truth_id, list(key ORDER BY key) AS m FROM eval_join GROUP BY 1)
            SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM t),
                   (SELECT count(*) FROM p JOIN t USING (m))
            """
        ).fetchall()[0]
        cp = clusters[2] / clusters[0] if clusters[0] else 1.0
        cr = clusters[2] / clusters[1] if clusters[1] else 1.0
        result["cluster"] = {"predicted": clusters[0], "true": clusters[1], "exact": clusters[2],
                             "precision": round(cp, 6), "recall": round(cr, 6),
                             "f1": round(2 * cp * cr / (cp + cr), 6) if cp + cr else 0.0}  # fmt: skip
        if entity_type == "person":
            result["with_id"] = _pairs(con, "id_state IN ('valid', 'invalid')")
            result["without_id"] = _pairs(con, "id_state = 'missing'")
        out[entity_type] = result
    return out
