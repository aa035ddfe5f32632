"""What the console reads: the control plane (deliveries, governance runs, tasks) and the current
release (golden records, provenance, quality). Read-only; every function takes what it reads from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlalchemy as sa

from yishu.console import jurisdiction
from yishu.pipeline.release import Release, current_release
from yishu.pipeline.schema import ENTITY_KEY, ENTITY_TYPES
from yishu.workspace import Workspace


def _rows(conn: sa.Connection, sql: str, **params) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _duck(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


# --- control plane -----------------------------------------------------------------------------


def sources(engine: sa.Engine) -> list[dict[str, Any]]:
    """Each source with its number of deliveries and its latest delivery."""
    with engine.connect() as conn:
        return _rows(
            conn,
            """
            SELECT d.source, c.deliveries, d.delivery_id, d.arrived_at, d.format, d.rows_in, d.rows_landed,
                   d.rows_quarantined
            FROM delivery d
            JOIN (SELECT source, count(*) AS deliveries, max(delivery_id) AS latest
                  FROM delivery GROUP BY source) c
              ON c.source = d.source AND c.latest = d.delivery_id
            ORDER BY d.source
            """,
        )


def deliveries(engine: sa.Engine, source: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return _rows(
            conn,
            "SELECT delivery_id, origin, format, encoding, rows_in, rows_landed, rows_quarantined, arrived_at "
            "FROM delivery WHERE source = :source ORDER BY delivery_id DESC",
            source=source,
        )


def govern_runs(engine: sa.Engine, limit: int = 10) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = _rows(
            conn,
            "SELECT run_id, started_at, finished_at, status, release_id, authority_version, deliveries "
            "FROM govern_run ORDER BY run_id DESC LIMIT :limit",
            limit=limit,
        )
    for r in rows:
        r["deliveries"] = json.loads(r["deliveries"] or "[]")
    return rows


def runs_using(engine: sa.Engine, delivery_ids: set[int]) -> list[dict[str, Any]]:
    """The governance runs that used any of ``delivery_ids`` (lineage: delivery -> run -> release)."""
    return [r for r in govern_runs(engine, limit=1000) if delivery_ids & set(r["deliveries"])]


TASK_COLUMNS = ("task_id, kind, entity_type, entity_id, attribute, grid_code, jurisdiction, question, status, "
                "answer, answered_by, answered_at")  # fmt: skip


def _task(row: dict[str, Any]) -> dict[str, Any]:
    row["question"] = json.loads(row["question"] or "{}")
    row["answer"] = json.loads(row["answer"]) if row.get("answer") else None
    return row


def tasks(engine: sa.Engine, scope: str | None, status: str | None = "open", limit: int = 200,
          offset: int = 0) -> list[dict]:  # fmt: skip
    """Verification tasks inside ``scope`` (a jurisdiction prefix; None = city-wide)."""
    where, params = ["1 = 1"], {"limit": limit, "offset": offset}
    if status:
        where.append("status = :status")
        params["status"] = status
    if scope:
        where.append(_cp_scope(scope))
        params["scope"] = scope + "%"
    with engine.connect() as conn:
        rows = _rows(
            conn,
            f"SELECT {TASK_COLUMNS} FROM verification_task WHERE {' AND '.join(where)} "
            "ORDER BY jurisdiction, task_id LIMIT :limit OFFSET :offset",
            **params,
        )
    return [_task(r) for r in rows]


def count_tasks(engine: sa.Engine, scope: str | None, status: str | None = "open") -> int:
    sql = "SELECT count(*) FROM verification_task WHERE " + ("status = :status" if status else "1 = 1")
    params: dict[str, Any] = {"status": status}
    if scope:
        sql += " AND " + _cp_scope(scope)
        params["scope"] = scope + "%"
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def tasks_for_entity(engine: sa.Engine, entity_type: str, entity_id: str) -> list[dict]:
    with engine.connect() as conn:
        rows = _rows(
            conn,
            f"SELECT {TASK_COLUMNS} FROM verification_task WHERE entity_type = :et AND entity_id = :id "
            "ORDER BY task_id",
            et=entity_type, id=entity_id,
        )  # fmt: skip
    return [_task(r) for r in rows]


def task(engine: sa.Engine, task_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        rows = _rows(conn, f"SELECT {TASK_COLUMNS} FROM verification_task WHERE task_id = :t", t=task_id)
    return _task(rows[0]) if rows else None


# --- the current release -----------------------------------------------------------------------


@dataclass
class ReleaseView:
    """The current release, opened once per request."""

    release: Release
    con: duckdb.DuckDBPyConnection

    @classmethod
    def open(cls, ws: Workspace) -> ReleaseView | None:
        release = current_release(ws)
        return cls(release, release.connect()) if release else None

    def has(self, table: str) -> bool:
        return table in self.release.tables

    def close(self) -> None:
        self.con.close()

    # quality -----------------------------------------------------------------------------------

    def quality(self, scope_kind: str, regroup=None) -> list[dict[str, Any]]:
        """Per scope: the overall score (passed / measured over all dimensions) and each dimension's.
        ``regroup(scope)`` merges scopes first (a source into its department), counts added."""
        if not self.has("quality"):
            return []
        rows = _duck(
            self.con,
            "SELECT scope, dimension, sum(measured) AS measured, sum(passed) AS passed FROM quality "
            "WHERE scope_kind = ? GROUP BY scope, dimension ORDER BY scope, dimension",
            [scope_kind],
        )
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            scope = regroup(r["scope"]) if regroup else r["scope"]
            entry = out.setdefault(scope, {"scope": scope, "measured": 0, "passed": 0, "counts": {}})
            entry["measured"] += r["measured"] or 0
            entry["passed"] += r["passed"] or 0
            counts = entry["counts"].setdefault(r["dimension"], [0, 0])
            counts[0] += r["passed"] or 0
            counts[1] += r["measured"] or 0
        for entry in out.values():
            entry["score"] = entry["passed"] / entry["measured"] if entry["measured"] else None
            entry["dimensions"] = {d: (p / m if m else None) for d, (p, m) in entry.pop("counts").items()}
        return sorted(out.values(), key=lambda e: (e["score"] is None, e["score"] or 0, e["scope"]))

    def quality_below(self, code: str | None) -> list[dict[str, Any]]:
        """Quality per jurisdiction one level below ``code`` (districts for the city), inside it.

        The pipeline writes scope kinds district, town, community and grid; a release that wrote
        the generic kind ``jurisdiction`` is read by code length."""
        code = code or ""
        n = jurisdiction.child_length(code) if len(code) in jurisdiction.LENGTHS else 6
        kind = {6: "district", 9: "town", 12: "community", 15: "grid"}.get(n or 15, "grid")
        rows = self.quality(kind) or [r for r in self.quality("jurisdiction") if len(r["scope"]) == (n or 15)]
        return [r for r in rows if r["scope"].startswith(code)]

    def reconciliation(self, source: str) -> list[dict[str, Any]]:
        if not self.has("reconciliation"):
            return []
        return _duck(
            self.con,
            "SELECT delivery_id, rows_in, accepted, quarantined FROM reconciliation WHERE source = ? "
            "ORDER BY delivery_id",
            [source],
        )

    # base database -----------------------------------------------------------------------------

    def count(self, entity_type: str, scope: str | None) -> int:
        _check_type(entity_type)
        if not self.has(entity_type):
            return 0
        if not scope:
            return self.release.tables[entity_type]
        return self.con.execute(
            f"SELECT count(*) FROM {entity_type} WHERE {_scope(scope)}", [scope]
        ).fetchone()[0]

    def breakdown(self, entity_type: str, code: str) -> list[dict[str, Any]]:
        """Entities per jurisdiction one level below ``code``, with the count of each entity type."""
        n = jurisdiction.child_length(code)
        if n is None:
            return []
        counts: dict[str, dict[str, int]] = {}
        for et in ENTITY_TYPES:
            if not self.has(et):
                continue
            for child, k in self.con.execute(
                f"SELECT substr(jurisdiction, 1, {n}) AS c, count(*) FROM {et} "
                "WHERE starts_with(jurisdiction, ?) AND length(jurisdiction) >= ? GROUP BY c ORDER BY c",
                [code, n],
            ).fetchall():
                counts.setdefault(child, {t: 0 for t in ENTITY_TYPES})[et] = k
        if len(code) <= 4:  # at city level: the entities not placed in any jurisdiction
            for et in ENTITY_TYPES:
                if self.has(et):
                    k = self.con.execute(f"SELECT count(*) FROM {et} WHERE jurisdiction IS NULL").fetchone()[
                        0
                    ]
                    if k:
                        counts.setdefault("", {t: 0 for t in ENTITY_TYPES})[et] = k
        return [{"code": c, **v} for c, v in sorted(counts.items(), key=lambda kv: (kv[0] == "", kv[0]))]

    def entities(self, entity_type: str, scope: str | None, query: str | None = None, limit: int = 50,
                 offset: int = 0, search: set[str] | None = None) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """Rows in ``scope``; with ``query``, those where a column of ``search`` contains it."""
        _check_type(entity_type)
        if not self.has(entity_type):
            return [], 0
        where, params = ["1 = 1"], []
        if scope:
            where.append(_scope(scope))
            params.append(scope)
        if query:
            cols = [c for c in self.columns(entity_type) if c in (search or {ENTITY_KEY})]
            where.append("(" + " OR ".join(f"contains(CAST({c} AS VARCHAR), ?)" for c in cols) + ")")
            params.extend([query] * len(cols))
        sql_where = " AND ".join(where)
        total = self.con.execute(f"SELECT count(*) FROM {entity_type} WHERE {sql_where}", params).fetchone()[
            0
        ]
        rows = _duck(
            self.con,
            f"SELECT * FROM {entity_type} WHERE {sql_where} ORDER BY {ENTITY_KEY} LIMIT {int(limit)} "
            f"OFFSET {int(offset)}",
            params,
        )
        return rows, total

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]

    def entity(self, entity_type: str, entity_id: str) -> dict[str, Any] | None:
        _check_type(entity_type)
        if not self.has(entity_type):
            return None
        rows = _duck(self.con, f"SELECT * FROM {entity_type} WHERE {ENTITY_KEY} = ?", [entity_id])
        return rows[0] if rows else None

    def provenance(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
        if not self.has("provenance"):
            return []
        return _duck(
            self.con,
            "SELECT attribute, value, source, delivery_id, row_number, record_id, CAST(arrived_at AS VARCHAR) AS arrived_at, authority_rank, "
            "chosen FROM provenance WHERE entity_type = ? AND entity_id = ? "
            "ORDER BY attribute, chosen DESC, authority_rank, arrived_at DESC",
            [entity_type, entity_id],
        )

    def conflicts(self, entity_type: str, entity_id: str) -> list[dict[str, Any]]:
        if not self.has("conflict"):
            return []
        return _duck(
            self.con,
            "SELECT attribute, chosen_value, chosen_source, other_value, other_source, severity FROM conflict "
            "WHERE entity_type = ? AND entity_id = ? ORDER BY attribute",
            [entity_type, entity_id],
        )


def _scope(scope: str) -> str:
    """DuckDB: rows inside ``scope``; at city level also rows whose jurisdiction is unknown (NULL),
    which only city-wide readers see (schema.py)."""
    if len(scope) <= 4:
        return "(jurisdiction IS NULL OR starts_with(jurisdiction, ?))"
    return "starts_with(jurisdiction, ?)"


def _cp_scope(scope: str) -> str:
    """The same rule in the control plane (tasks), with ``:scope`` bound to ``scope || '%'``."""
    if len(scope) <= 4:
        return "(jurisdiction IS NULL OR jurisdiction LIKE :scope)"
    return "jurisdiction LIKE :scope"


def _check_type(entity_type: str) -> None:
    if entity_type not in ENTITY_TYPES:
        raise ValueError(f"unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}")
