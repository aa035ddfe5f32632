"""Link records to people, organisations and houses: keys, repair, Splink, clusters, stable ids.

``link(con)`` works on the tables described in ``records`` inside one DuckDB connection and writes
``link_result(record_id, source, row_number, entity_type, entity_id, method, match_probability,
explanation)``: every record gets an entity, and says how (``key``, ``repaired``, ``name``,
``probabilistic`` or ``alone``) and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from yishu.duck import tables
from yishu.linkage import deterministic, ids, probabilistic

FINGERPRINT = {
    "person": "source || '|' || md5(concat_ws('|', id_raw, name, CAST(birth_date AS VARCHAR), phone, address))",
    "organisation": "source || '|' || md5(concat_ws('|', code_raw, name, representative, address))",
    "house": "source || '|' || md5(concat_ws('|', unit_no, address, CAST(area AS VARCHAR)))",
}


@dataclass
class LinkResult:
    run_id: int
    records: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    methods: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "records": self.records, "entities": self.entities,
                "methods": self.methods, "seconds": round(self.seconds, 2)}  # fmt: skip


def _person_clusters(con, threshold: float) -> None:
    deterministic.person_keys(con)
    pairs = probabilistic.predict(con, threshold)
    keyless = "SELECT record_id FROM link_person ANTI JOIN link_person_key USING (record_id)"
    # records a grid worker said are not the one they were linked to stand alone (link_detached)
    con.execute("CREATE TABLE IF NOT EXISTS link_detached (record_id VARCHAR)")
    detached = "SELECT record_id FROM link_detached"
    # a keyless record joins the keyed record it matches best; the rest cluster among themselves
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE scored AS
        SELECT record_id_l AS a, record_id_r AS b, match_probability, match_weight FROM {pairs}
        UNION ALL SELECT record_id_r, record_id_l, match_probability, match_weight FROM {pairs}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE adopted AS
        SELECT s.a AS record_id, first(k.key ORDER BY s.match_weight DESC, s.b) AS key,
               max(s.match_probability) AS p,
               first(s.b ORDER BY s.match_weight DESC, s.b) AS partner  -- ties go to the smaller record id
        FROM scored s JOIN link_person_key k ON k.record_id = s.b
        WHERE s.a IN ({keyless}) AND s.a NOT IN ({detached})
        GROUP BY s.a
        """
    )
    rest = [
        r[0] for r in con.execute(f"{keyless} EXCEPT SELECT record_id FROM adopted ORDER BY 1").fetchall()
    ]
    edges = con.execute(
        f"""SELECT a, b FROM scored WHERE a IN ({keyless}) AND b IN ({keyless})
            AND a NOT IN ({detached}) AND b NOT IN ({detached})
            AND a NOT IN (SELECT record_id FROM adopted) AND b NOT IN (SELECT record_id FROM adopted)"""
    ).fetchall()
    parent = {r: r for r in rest}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    import pyarrow as pa

    con.register("loners", pa.table({"record_id": rest, "root": [find(r) for r in rest]}, schema=pa.schema(
        [("record_id", pa.string()), ("root", pa.string())])))  # fmt: skip
    con.execute(
        """
        CREATE OR REPLACE TABLE link_person_cluster AS
        SELECT k.record_id, k.key AS cluster, k.key, k.method, k.note, NULL::DOUBLE AS p, NULL AS partner
        FROM link_person_key k
        UNION ALL
        SELECT record_id, key, key, 'probabilistic', 'matched ' || partner || ' (p=' || round(p, 4) || ')', p, partner
        FROM adopted
        UNION ALL
        SELECT l.record_id, 'U:' || l.root, NULL,
               CASE WHEN count(*) OVER (PARTITION BY l.root) > 1 THEN 'probabilistic' ELSE 'alone' END,
               CASE WHEN count(*) OVER (PARTITION BY l.root) > 1 THEN 'matched other keyless records'
                    ELSE 'no usable key and no match' END, NULL, NULL
        FROM loners l
        """
    )
    con.unregister("loners")


def _explanations(con, pairs: str) -> None:
    """Per probabilistic link: each comparison's level and Bayes factor, as JSON."""
    cols = {r[0] for r in con.execute(f"DESCRIBE {pairs}").fetchall()}
    parts = []
    for c in sorted(cols):
        name = c[6:]
        if c.startswith("gamma_") and f"mw_{name}" in cols:
            weight = f"mw_{name}" + (
                f" + coalesce(mw_tf_adj_{name}, 0)" if f"mw_tf_adj_{name}" in cols else ""
            )
            values = (f", left_value := CAST({name}_l AS VARCHAR), right_value := CAST({name}_r AS VARCHAR)"
                      if f"{name}_l" in cols else "")  # fmt: skip
            parts.append(f"'{name}', struct_pack(level := {c}, match_weight := round({weight}, 3){values})")
    if not parts:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE pair_explained AS SELECT NULL::VARCHAR AS a, NULL::VARCHAR AS b, NULL::VARCHAR AS explanation WHERE false"
        )
        return
    body = f"to_json(struct_pack(match_weight := round(match_weight, 3), match_probability := round(match_probability, 6), comparisons := map_from_entries([{', '.join('(' + p + ')' for p in parts)}])))"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE pair_explained AS
        SELECT record_id_l AS a, record_id_r AS b, CAST({body} AS VARCHAR) AS explanation FROM {pairs}
        UNION ALL SELECT record_id_r, record_id_l, CAST({body} AS VARCHAR) FROM {pairs}
        """
    )


def link(con: duckdb.DuckDBPyConnection, threshold: float = probabilistic.THRESHOLD) -> LinkResult:
    """Link every prepared table in ``con``; write ``link_result`` and keep ids stable across runs."""
    started = datetime.now(UTC)
    con.execute(ids.SCHEMA)
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_run").fetchall()[0][0]
    result = LinkResult(run_id)
    present = tables(con)
    outputs = []
    for entity_type in ("person", "organisation", "house"):
        table = f"link_{entity_type}"
        if table not in present:
            continue
        if entity_type == "person":
            _person_clusters(con, threshold)
            _explanations(con, "link_person_pairs")
        else:
            getattr(deterministic, f"{entity_type}_keys")(con)
            con.execute(
                f"""CREATE OR REPLACE TABLE {table}_cluster AS
                    SELECT record_id, key AS cluster, key, method, note, NULL::DOUBLE AS p, NULL::VARCHAR AS partner
                    FROM {table}_key
                    UNION ALL SELECT record_id, 'U:' || record_id, NULL, 'alone', 'no key', NULL, NULL
                    FROM {table} ANTI JOIN {table}_key USING (record_id)"""
            )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE clusters AS
                SELECT c.record_id, c.cluster, c.key, {FINGERPRINT[entity_type]} AS fingerprint
                FROM {table}_cluster c JOIN {table} USING (record_id)"""
        )
        ids.assign(con, entity_type, "clusters", run_id)
        explain = (
            "CASE WHEN c.partner IS NOT NULL THEN (SELECT explanation FROM pair_explained e "
            "WHERE e.a = c.record_id AND e.b = c.partner LIMIT 1) END"
            if entity_type == "person"
            else "NULL"
        )
        con.execute(
            f"""CREATE OR REPLACE TABLE link_result_{entity_type} AS
                SELECT t.record_id, t.source, t.row_number, '{entity_type}' AS entity_type, i.entity_id, c.method,
                       c.note, c.p AS match_probability, {explain} AS explanation
                FROM {table} t JOIN {table}_cluster c USING (record_id) JOIN link_ids i USING (record_id)"""
        )
        outputs.append(f"SELECT * FROM link_result_{entity_type}")
        result.records[entity_type] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        result.entities[entity_type] = con.execute(
            f"SELECT count(DISTINCT entity_id) FROM link_result_{entity_type}"
        ).fetchall()[0][0]
        result.methods[entity_type] = dict(
            con.execute(
                f"SELECT method, count(*) FROM link_result_{entity_type} GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    if not outputs:  # nothing to link: an empty result of the same shape
        outputs.append(
            "SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS source, NULL::BIGINT AS row_number, "
            "NULL::VARCHAR AS entity_type, NULL::VARCHAR AS entity_id, NULL::VARCHAR AS method, NULL::VARCHAR AS note, "
            "NULL::DOUBLE AS match_probability, NULL::VARCHAR AS explanation WHERE false"
        )
    # a view: the governance stage reads it once, into its own ``link`` table (a linkage database
    # from before kept it as a table: replaced)
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'link_result'"
    ).fetchall()
    if kind and kind[0][0] != "VIEW":
        con.execute("DROP TABLE link_result")
    con.execute("CREATE OR REPLACE VIEW link_result AS " + " UNION ALL ".join(outputs))
    result.seconds = (datetime.now(UTC) - started).total_seconds()
    con.execute(
        "INSERT INTO link_run VALUES (?, ?, ?)",
        [run_id, started, json.dumps(result.as_dict(), ensure_ascii=False)],
    )
    return result


def explain(con: duckdb.DuckDBPyConnection, record_id: str) -> dict:
    """Why a record belongs to its entity: method, note, and for a probabilistic link the weights."""
    row = con.execute(
        "SELECT record_id, entity_type, entity_id, method, note, match_probability, explanation "
        "FROM link_result WHERE record_id = ?",
        [record_id],
    ).fetchall()
    if not row:
        raise KeyError(f"no linked record {record_id!r}")
    r = row[0]
    return {"record_id": r[0], "entity_type": r[1], "entity_id": r[2], "method": r[3], "note": r[4],
            "match_probability": r[5], "comparisons": json.loads(r[6]) if r[6] else None}  # fmt: skip
