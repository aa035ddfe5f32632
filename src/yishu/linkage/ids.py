"""Stable entity ids across runs, with merges and splits recorded.

A cluster that carries a key (citizen ID, credit code, unit number) takes the id the registry holds
for that key. A cluster without one takes the id its records had in the previous run, recognised by
each record's fingerprint (source and content, not row number, which shifts between deliveries).
When a cluster brings together records that had several ids, the oldest id survives and the merge
is recorded; when the records of one old id end up in several clusters, the largest keeps the id
and the split is recorded. Everything else gets a new id.
"""

from __future__ import annotations

import duckdb

PREFIX = {"person": "P", "organisation": "O", "house": "H"}

# No primary keys: a key (or fingerprint) is unique per entity type by construction (``_replace``
# writes each once), and DuckDB's index on millions of keys made the upserts the costliest part of
# assigning ids (43 s of a million-person city's 189 s of linkage; 16 s without).
SCHEMA = """
CREATE TABLE IF NOT EXISTS link_registry (entity_type VARCHAR, key VARCHAR, entity_id VARCHAR, run_id INTEGER);
CREATE TABLE IF NOT EXISTS link_fingerprint (entity_type VARCHAR, fingerprint VARCHAR, entity_id VARCHAR,
                                             run_id INTEGER);
CREATE TABLE IF NOT EXISTS link_event (run_id INTEGER, entity_type VARCHAR, kind VARCHAR, entity_id VARCHAR,
                                       other_ids VARCHAR[]);
CREATE TABLE IF NOT EXISTS link_sequence (entity_type VARCHAR, last INTEGER);
CREATE TABLE IF NOT EXISTS link_run (run_id INTEGER, started_at TIMESTAMPTZ, summary VARCHAR);
"""


def assign(con: duckdb.DuckDBPyConnection, entity_type: str, clusters: str, run_id: int) -> None:
    """``clusters(record_id, cluster, key, fingerprint)`` -> table ``link_ids(record_id, entity_id)``."""
    con.execute(SCHEMA)
    prefix = PREFIX[entity_type]
    # previous ids of each cluster: by key, then by record fingerprints
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT c.cluster, r.entity_id, 0 AS rank, count(*) AS n
        FROM {clusters} c JOIN link_registry r ON r.entity_type = ? AND r.key = c.key
        GROUP BY ALL
        UNION ALL
        SELECT c.cluster, f.entity_id, 1, count(*)
        FROM {clusters} c JOIN link_fingerprint f ON f.entity_type = ? AND f.fingerprint = c.fingerprint
        GROUP BY ALL
        """,
        [entity_type, entity_type],
    )
    # each old id goes to the cluster that holds most of it (key matches first); a cluster takes the
    # oldest (smallest) of the ids it won
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE won AS
        SELECT entity_id, arg_min(cluster, (rank, -n, cluster)) AS cluster
        FROM (SELECT cluster, entity_id, min(rank) AS rank, sum(n) AS n FROM cand GROUP BY ALL)
        GROUP BY entity_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE kept AS
        SELECT cluster, min(entity_id) AS entity_id, list(entity_id ORDER BY entity_id) AS ids
        FROM won GROUP BY cluster
        """
    )
    last = con.execute("SELECT last FROM link_sequence WHERE entity_type = ?", [entity_type]).fetchall()
    start = last[0][0] if last else 0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cluster_id AS
        SELECT cluster, entity_id FROM kept
        UNION ALL
        SELECT cluster, '{prefix}' || lpad(CAST({start} + row_number() OVER (ORDER BY cluster) AS VARCHAR), 10, '0')
        FROM (SELECT DISTINCT cluster FROM {clusters}) ANTI JOIN kept USING (cluster)
        """
    )
    new_last = con.execute(
        f"SELECT {start} + count(*) FROM (SELECT DISTINCT cluster FROM {clusters}) ANTI JOIN kept USING (cluster)"
    ).fetchall()[0][0]
    con.execute("DELETE FROM link_sequence WHERE entity_type = ?", [entity_type])
    con.execute("INSERT INTO link_sequence VALUES (?, ?)", [entity_type, new_last])
    # merges: a cluster that won several old ids; splits: an old id whose records went elsewhere too
    con.execute(
        "INSERT INTO link_event SELECT ?, ?, 'merge', entity_id, list_filter(ids, x -> x <> entity_id) "
        "FROM kept WHERE len(ids) > 1",
        [run_id, entity_type],
    )
    con.execute(
        """
        INSERT INTO link_event
        SELECT ?, ?, 'split', c.entity_id, list(DISTINCT i.entity_id ORDER BY i.entity_id)
        FROM cand c JOIN won w ON w.entity_id = c.entity_id AND w.cluster <> c.cluster
        JOIN cluster_id i ON i.cluster = c.cluster
        GROUP BY c.entity_id
        """,
        [run_id, entity_type],
    )
    con.execute(
        f"CREATE OR REPLACE TABLE link_ids AS SELECT c.record_id, i.entity_id FROM {clusters} c JOIN cluster_id i USING (cluster)"
    )
    # each key and each fingerprint to the smallest id among the clusters that hold it
    _replace(con, "link_registry", "key", f"""
        SELECT CAST(? AS VARCHAR) AS entity_type, c.key, min(i.entity_id) AS entity_id, CAST(? AS INTEGER) AS run_id
        FROM {clusters} c JOIN cluster_id i USING (cluster)
        WHERE c.key IS NOT NULL AND NOT starts_with(c.key, 'U:')
        GROUP BY c.key""", [entity_type, run_id])  # fmt: skip
    _replace(con, "link_fingerprint", "fingerprint", f"""
        SELECT CAST(? AS VARCHAR) AS entity_type, c.fingerprint, min(i.entity_id) AS entity_id, CAST(? AS INTEGER) AS run_id
        FROM {clusters} c JOIN cluster_id i USING (cluster)
        GROUP BY c.fingerprint""", [entity_type, run_id])  # fmt: skip


def _replace(con, table: str, key: str, rows: str, params: list) -> None:
    """Upsert ``rows`` into ``table`` by entity type and ``key``: the rows of the same keys are
    deleted, then the new ones inserted (the tables have no index: see ``SCHEMA``)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_new AS {rows}", params)
    if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0]:
        con.execute(
            f"DELETE FROM {table} t USING {table}_new n WHERE n.entity_type = t.entity_type AND n.{key} = t.{key}"
        )
    con.execute(f"INSERT INTO {table} SELECT * FROM {table}_new")
    con.execute(f"DROP TABLE {table}_new")
