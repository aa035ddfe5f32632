"""``yishu eval governance``: the latest (or a given) release against a synthetic city's truth.

Figures:
- ``linkage``: pairwise and cluster precision, recall and F1 per entity type (``linkage.evaluate``
  on the release's ``link`` table);
- ``attribute_accuracy``: golden values equal to the truth, overall and per attribute; each golden
  entity is compared with the true entity most of its records belong to; a value present in the
  golden record where the truth has none counts as wrong; ``coverage`` is the share of true values
  the golden records hold at all;
- ``address_code_accuracy``: delivered address texts whose standard address code is the true one
  (a text left unmatched counts as wrong);
- ``reconciliation``: per delivery rows in, accepted, quarantined, and whether they add up;
- ``quarantine``: reasons against the defects injected, as recall and precision.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yishu.duck import tables
from yishu.linkage.evaluate import evaluate as evaluate_linkage
from yishu.pipeline.release import Release

# golden column -> truth column, per entity type; address columns compare codes
TRUTH = {
    "person": ("persons.parquet", "person_id", {
        "citizen_id": "citizen_id", "name": "name", "sex": "sex", "ethnicity": "ethnicity",
        "birth_date": "CAST(birth_date AS VARCHAR)", "marital_status": "marital_status", "phone": "phone",
        "hukou_address_code": "hukou_address_code", "actual_address_code": "actual_address_code",
        "death_date": "CAST(death_date AS VARCHAR)",
    }),
    "organisation": ("organisations.parquet", "organisation_id", {
        "uscc": "uscc", "name": "name", "registered_address_code": "registered_address_code",
        "business_address_code": "business_address_code", "established": "CAST(established AS VARCHAR)",
        "employees": "CAST(employees AS VARCHAR)",
    }),
    "house": ("houses.parquet", "house_id", {
        "address_code": "address_code", "area": "CAST(CAST(area AS DECIMAL(18, 2)) AS VARCHAR)", "use": "use",
    }),
}  # fmt: skip

# quarantine reason codes that detect each injected defect
DEFECT_REASONS = {
    "duplicate_row": (("duplicate_row",), ("duplicate_row",)),
    "id_typo+id_transposition": (("id_typo", "id_transposition"),
                                 ("citizen_id.check_digit", "citizen_id.invalid", "citizen_id.format")),
    "uscc_typo": (("uscc_typo",), ("credit_code.check_digit", "credit_code.format", "credit_code.invalid")),
}  # fmt: skip


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 6) if b else None


def evaluate(release: Release, truth_dir: str | Path) -> dict:
    truth = Path(truth_dir)
    records = truth / "records.parquet"
    if not records.is_file():
        raise FileNotFoundError(f"{records}: no truth records (expected a synth city's truth folder)")
    con = release.connect()
    con.execute(f"CREATE VIEW truth_records AS SELECT * FROM read_parquet('{records}')")
    out: dict = {"release": release.id}
    # linkage, with the record tables linkage.evaluate expects
    con.execute("CREATE VIEW link_result AS SELECT * FROM link")
    con.execute("CREATE VIEW link_person AS SELECT record_id, key_state AS id_state FROM link "
                "WHERE entity_type = 'person'")  # fmt: skip
    out["linkage"] = evaluate_linkage(con, truth)
    out["attribute_accuracy"] = _attributes(con, truth)
    out["address_code_accuracy"] = _addresses(con)
    rec = [dict(zip(("delivery_id", "source", "rows_in", "accepted", "quarantined", "exact"), r, strict=True))
           for r in con.execute("SELECT delivery_id, source, rows_in, accepted, quarantined, "
                                "rows_in = accepted + quarantined FROM reconciliation ORDER BY delivery_id").fetchall()]  # fmt: skip
    out["reconciliation"] = {"exact": all(r["exact"] for r in rec), "deliveries": rec}
    out["quarantine"] = _quarantine(con)
    con.close()
    return out


def _attributes(con: duckdb.DuckDBPyConnection, truth: Path) -> dict:
    per: dict[str, dict] = {}
    right = compared = held = possible = 0
    for entity_type, (file, key, columns) in TRUTH.items():
        if entity_type not in tables(con):
            continue
        golden_cols = {r[0] for r in con.execute(f"DESCRIBE {entity_type}").fetchall()}
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE truth_of AS
                SELECT l.entity_id, mode(t.{key}) AS truth_id
                FROM link l JOIN truth_records t ON t.source = l.source AND t.row_number = l.row_number
                WHERE l.entity_type = '{entity_type}' AND t.{key} IS NOT NULL
                GROUP BY l.entity_id"""
        )
        for column, expr in columns.items():
            if column not in golden_cols:
                continue
            n_right, n_compared, n_held, n_possible = con.execute(
                f"""SELECT count(*) FILTER (WHERE g.v = t.v), count(*) FILTER (WHERE g.v IS NOT NULL),
                           count(*) FILTER (WHERE g.v IS NOT NULL AND t.v IS NOT NULL),
                           count(*) FILTER (WHERE t.v IS NOT NULL)
                    FROM (SELECT entity_id, CAST({column} AS VARCHAR) AS v FROM {entity_type}) g
                    JOIN truth_of o USING (entity_id)
                    JOIN (SELECT {key} AS truth_id, CAST({expr} AS VARCHAR) AS v
                          FROM read_parquet('{truth / file}')) t USING (truth_id)"""
            ).fetchall()[0]
            per[f"{entity_type}.{column}"] = {"accuracy": _ratio(n_right, n_compared), "compared": n_compared,
                                              "coverage": _ratio(n_held, n_possible)}  # fmt: skip
            right, compared, held, possible = (
                right + n_right,
                compared + n_compared,
                held + n_held,
                possible + n_possible,
            )
    return {"accuracy": _ratio(right, compared), "compared": compared, "coverage": _ratio(held, possible),
            "attributes": per}  # fmt: skip


def _addresses(con) -> dict:
    right, total, matched = con.execute(
        """SELECT count(*) FILTER (WHERE a.address_code = t.address_code), count(*),
                  count(*) FILTER (WHERE a.address_code IS NOT NULL)
           FROM record_address a JOIN truth_records t ON t.source = a.source AND t.row_number = a.row_number
           WHERE t.address_code IS NOT NULL"""
    ).fetchall()[0]
    return {"accuracy": _ratio(right, total), "texts": total, "matched": _ratio(matched, total)}


def _quarantine(con) -> dict:
    out = {}
    for name, (defects, reasons) in DEFECT_REASONS.items():
        listed = ", ".join(f"'{r}'" for r in reasons)
        has = " OR ".join(f"list_contains(defects, '{d}')" for d in defects)
        injected, found, flagged = con.execute(
            f"""WITH t AS (SELECT source, row_number,
                                  {has} OR ('{name}' = 'duplicate_row' AND duplicate_of IS NOT NULL) AS has
                           FROM truth_records),
                     q AS (SELECT DISTINCT source, row_number FROM quarantine WHERE reason IN ({listed}))
                SELECT count(*) FILTER (WHERE t.has), count(*) FILTER (WHERE t.has AND q.source IS NOT NULL),
                       count(*) FILTER (WHERE q.source IS NOT NULL)
                FROM t LEFT JOIN q USING (source, row_number)"""
        ).fetchall()[0]
        out[name] = {"injected": injected, "detected": found, "flagged": flagged,
                       "recall": _ratio(found, injected), "precision": _ratio(found, flagged)}  # fmt: skip
    reasons = con.execute("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 2 DESC").fetchall()
    out["reasons"] = dict(reasons)
    return out
