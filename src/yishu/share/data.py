"""Serve the current release through a grant: only granted fields, only rows in the grant's
jurisdiction, masked per field. Fails closed: every column name in the SQL comes from the grant,
every value is a bound parameter, and masking happens inside DuckDB, so a value a grant does not
allow never reaches Python, let alone a response.

The server opens each release once (``ReleaseData``) and reads it through one DuckDB cursor per
list or export; single-entity lookups use the Python forms of scope and masks.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yishu.pipeline.release import Release, current_release
from yishu.pipeline.schema import ENTITY_KEY
from yishu.share.applications import Grant
from yishu.share.errors import ShareError
from yishu.share.masking import mask, mask_sql
from yishu.share.users import User

OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "prefix": None, "in": None,
       "null": None, "notnull": None}  # fmt: skip
KEYS = {"person": "citizen_id", "organisation": "uscc"}  # lookup keys by entity type
MAX_LIMIT = 1000
_IDENT = re.compile(r"[a-z][a-z0-9_]*")


def _q(name: str) -> str:
    if not _IDENT.fullmatch(name):  # never happens for catalogue attributes; fail closed if it does
        raise ShareError("query.invalid_field", "a field name is not valid", "query.valid", 422)
    return f'"{name}"'


class ReleaseData:
    """One release loaded for serving: each entity table as an Arrow table sorted by entity id
    (DuckDB queries it in place for lists and exports; single-entity lookups find the row by
    binary search and mask it with the Python forms of the masks, which the tests hold equal to
    the SQL forms), provenance as a DuckDB table."""

    def __init__(self, release: Release, threads: int = 2):
        self.release = release
        self.con = duckdb.connect(config={"threads": max(1, threads)})
        self.columns: dict[str, list[str]] = {}
        self.tables: dict[str, pa.Table] = {}
        self._ids: dict[str, np.ndarray] = {}
        self._keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for table in ("person", "organisation", "house", "provenance"):
            if table not in release.tables:
                continue
            path = release.scan(table)
            if table == "provenance":
                self.con.execute(f"CREATE TABLE provenance AS SELECT * FROM {path} "
                                 "ORDER BY entity_type, entity_id")  # fmt: skip
                self.columns[table] = [r[0] for r in self.con.execute("DESCRIBE provenance").fetchall()]
                continue
            arrow = self.con.execute(f"SELECT * FROM {path} ORDER BY {ENTITY_KEY}").to_arrow_table()
            self.tables[table] = arrow
            self.columns[table] = arrow.column_names
            self._ids[table] = arrow.column(ENTITY_KEY).to_numpy(zero_copy_only=False)
            key = KEYS.get(table)
            if key in arrow.column_names:
                values = pc.fill_null(arrow.column(key), "").to_numpy(zero_copy_only=False)
                order = np.argsort(values, kind="stable")
                self._keys[table] = (values[order], order)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        for name, arrow in self.tables.items():  # Arrow scans are per connection; registering is cheap
            cur.register(name, arrow)
        return cur

    def _row(self, table: str, position: int, columns) -> dict:
        t = self.tables[table]
        return {c: t.column(c)[position].as_py() for c in (ENTITY_KEY, "jurisdiction", *columns)}

    def row(self, table: str, entity_id: str, columns=()) -> dict | None:
        """Entity id, jurisdiction and ``columns`` of one entity, or None."""
        ids = self._ids[table]
        i = int(np.searchsorted(ids, entity_id))
        if i < len(ids) and ids[i] == entity_id:
            return self._row(table, i, columns)
        return None

    def rows_by_key(self, table: str, value: str, columns=(), limit: int = 10) -> list[dict]:
        if not value or table not in self._keys:
            return []
        values, order = self._keys[table]
        lo, hi = np.searchsorted(values, value, "left"), np.searchsorted(values, value, "right")
        return [self._row(table, int(p), columns) for p in sorted(order[lo:hi])[:limit]]


class ReleaseCache:
    """The current release, reopened when the pointer moves (one small file read per request)."""

    def __init__(self, ws, threads: int = 2):
        from yishu.pipeline.release import CURRENT, releases_dir

        self.ws, self.threads = ws, threads
        self.pointer = releases_dir(ws) / CURRENT
        self._data: ReleaseData | None = None
        self._lock = threading.Lock()

    def get(self) -> ReleaseData:
        try:
            current = int(self.pointer.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            current = None
        data = self._data
        if data is not None and data.release.id == current:
            return data
        with self._lock:
            release = current_release(self.ws)
            if release is None:
                raise ShareError(
                    "release.none", "there is no release of the base database yet", "grant.release", 503
                )
            if self._data is None or self._data.release.id != release.id:
                self._data = ReleaseData(release, self.threads)
            return self._data


@dataclass(frozen=True)
class Column:
    name: str  # release column = attribute name
    source_column: str  # the resource column it was granted as
    expr: str  # SQL that yields what the grantee may see
    masked: bool
    kind: str  # the masking applied ("none" when not masked)


@dataclass(frozen=True)
class View:
    """What one grant lets through from one release."""

    grant: Grant
    table: str
    columns: dict[str, Column]
    scope_sql: str
    scope_params: tuple
    jurisdiction: str

    def select_list(self) -> str:
        return ", ".join([_q(ENTITY_KEY)] + [f"{c.expr} AS {_q(c.name)}" for c in self.columns.values()])


def effective_jurisdiction(user: User, grant: Grant) -> str:
    """The narrower of the user's and the grant's jurisdiction; they must nest."""
    a, b = user.jurisdiction, grant.jurisdiction
    if a.startswith(b):
        return a
    if b.startswith(a):
        return b
    raise ShareError("grant.jurisdiction_mismatch", "your jurisdiction no longer lies inside the grant's",
                     "grant.rows")  # fmt: skip


def view(data: ReleaseData, user: User, grant: Grant) -> View:
    table = grant.entity_type
    if table not in data.columns:
        raise ShareError(
            "release.no_table", f"the current release has no {table} table", "grant.release", 503
        )
    present = set(data.columns[table])
    columns: dict[str, Column] = {}
    for f in grant.fields:
        attribute = f.get("attribute") or ""
        entity, _, name = attribute.partition(".")
        if entity != table or name not in present or name == ENTITY_KEY:
            continue  # a context column of the resource, or not in this release: nothing to serve
        masked = f["masking"] != "none" and not f.get("unmasked")
        expr = mask_sql(f["masking"], _q(name)) if masked else _q(name)
        columns[name] = Column(name, f["column"], expr, masked, f["masking"] if masked else "none")
    j = effective_jurisdiction(user, grant)
    if len(j) <= 4:  # city-wide: also rows whose jurisdiction is unknown
        scope = "(jurisdiction IS NULL OR starts_with(jurisdiction, ?))"
    else:
        scope = "starts_with(jurisdiction, ?)"
    return View(grant, table, columns, scope, (j,), j)


def in_scope(v: View, jurisdiction: str | None) -> bool:
    """The Python form of ``View.scope_sql``."""
    if jurisdiction is None:
        return len(v.jurisdiction) <= 4
    return jurisdiction.startswith(v.jurisdiction)


def project(v: View, row: dict) -> dict:
    """The granted fields of one row, masked; the Python form of ``View.select_list``."""
    out = {ENTITY_KEY: row[ENTITY_KEY]}
    for c in v.columns.values():
        out[c.name] = mask(c.kind, row[c.name]) if c.masked else row[c.name]
    return out


def _field(v: View, name: str, purpose: str) -> str:
    if name == ENTITY_KEY:
        return _q(ENTITY_KEY)
    col = v.columns.get(name)
    if col is None:
        raise ShareError("grant.field_not_granted", f"field {name!r} is not granted to you by grant "
                         f"{v.grant.grant_id}", "grant.fields")  # fmt: skip
    if col.masked:
        raise ShareError("grant.field_masked", f"field {name!r} is masked for you and cannot be used to {purpose}",
                         "grant.masked_field")  # fmt: skip
    return _q(name)


def parse_filters(v: View, filters: list[str]) -> tuple[str, list]:
    """``field:op:value`` terms joined by AND; ops eq ne lt le gt ge prefix in (values split by |)
    null notnull. Only granted, unmasked fields (and entity_id)."""
    sql, params = [], []
    for term in filters:
        parts = term.split(":", 2)
        if len(parts) < 2 or parts[1] not in OPS:
            raise ShareError("query.invalid_filter", "a filter is field:op:value with op one of "
                             + ", ".join(OPS), "query.valid", 422)  # fmt: skip
        name, op = parts[0], parts[1]
        value = parts[2] if len(parts) == 3 else None
        col = _field(v, name, "filter")
        if op == "null":
            sql.append(f"{col} IS NULL")
        elif op == "notnull":
            sql.append(f"{col} IS NOT NULL")
        elif value is None:
            raise ShareError("query.invalid_filter", f"filter op {op} needs a value", "query.valid", 422)
        elif op == "prefix":
            sql.append(f"starts_with({col}, ?)")
            params.append(value)
        elif op == "in":
            values = value.split("|")[:100]
            sql.append(f"{col} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        else:
            sql.append(f"{col} {OPS[op]} ?")
            params.append(value)
    return (" AND ".join(sql), params)


def parse_sort(v: View, sort: str | None) -> str:
    keys = []
    for item in (sort or "").split(","):
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        col = _field(v, item.lstrip("-+"), "sort")
        keys.append(f"{col} {'DESC' if desc else 'ASC'} NULLS LAST")
    keys.append(f"{_q(ENTITY_KEY)} ASC")
    return ", ".join(keys[:6])


def _where(v: View, filters: list[str]) -> tuple[str, list]:
    fsql, fparams = parse_filters(v, filters)
    return (v.scope_sql + (f" AND {fsql}" if fsql else ""), list(v.scope_params) + fparams)


def _records(cur, cols: list[str]) -> list[dict]:
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def list_records(data: ReleaseData, v: View, filters: list[str], sort: str | None, limit: int,
                 offset: int) -> dict:  # fmt: skip
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise ShareError(
            "query.invalid_paging", f"limit is 1 to {MAX_LIMIT}, offset 0 or more", "query.valid", 422
        )
    where, params = _where(v, filters)
    order = parse_sort(v, sort)
    cur = data.cursor()
    try:
        total = cur.execute(f"SELECT count(*) FROM {v.table} WHERE {where}", params).fetchone()[0]
        cur.execute(f"SELECT {v.select_list()} FROM {v.table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                    params + [limit, offset])  # fmt: skip
        cols = [d[0] for d in cur.description]
        rows = _records(cur, cols)
    finally:
        cur.close()
    return {"release_id": data.release.id, "grant_id": v.grant.grant_id, "total": total, "limit": limit,
            "offset": offset, "fields": cols, "records": rows}  # fmt: skip


def _not_found(what: str) -> ShareError:
    # The same answer whether the entity does not exist or lies outside the grant's rows.
    return ShareError("data.not_found", f"no {what} within your grant", "grant.rows", 404)


def get_record(data: ReleaseData, v: View, entity_id: str) -> dict:
    row = data.row(v.table, entity_id, v.columns)
    if row is None or not in_scope(v, row["jurisdiction"]):
        raise _not_found(f"such {v.table}")
    return project(v, row)


def find_by_key(data: ReleaseData, v: View, key: str, value: str) -> list[dict]:
    """People by citizen ID, organisations by credit code. The key must be granted (masked or
    not: the caller already holds the value they look up); the match is exact."""
    if KEYS.get(v.table) != key:
        raise ShareError(
            "query.invalid_key", f"{v.table} records are not looked up by {key}", "query.valid", 422
        )
    if key not in v.columns:
        raise ShareError("grant.field_not_granted", f"field {key!r} is not granted to you by grant "
                         f"{v.grant.grant_id}", "grant.fields")  # fmt: skip
    rows = [
        project(v, r) for r in data.rows_by_key(v.table, value, v.columns) if in_scope(v, r["jurisdiction"])
    ]
    if not rows:
        raise _not_found(f"{v.table} with that {key}")
    return rows


def profile(data: ReleaseData, v: View, entity_id: str) -> dict:
    """一人一档 / 一企一档: the granted attributes of one entity, each with the candidate values
    behind it from the provenance table (source, delivery, row, time, authority rank, chosen),
    masked like the attribute."""
    record = get_record(data, v, entity_id)
    out = {"release_id": data.release.id, "grant_id": v.grant.grant_id, "entity_type": v.table,
           "entity_id": entity_id, "record": record, "provenance": {}}  # fmt: skip
    if "provenance" not in data.columns or not v.columns:
        return out
    cases = " ".join(
        f"WHEN '{c.name}' THEN {c.expr.replace(_q(c.name), 'value')}" for c in v.columns.values()
    )
    wanted = [c.name for c in v.columns.values()]
    cur = data.cursor()
    try:
        cur.execute(
            # the pipeline names attributes entity.attribute (person.name); the golden column is the part after the dot
            f"SELECT attribute, CASE attribute {cases} END AS value, source, delivery_id, row_number, record_id, "
            f"CAST(arrived_at AS VARCHAR) AS arrived_at, authority_rank, chosen FROM ("
            f"SELECT * REPLACE (CASE WHEN starts_with(attribute, entity_type || '.') "
            f"THEN substring(attribute, length(entity_type) + 2) ELSE attribute END AS attribute) FROM provenance) "
            f"WHERE entity_type = ? AND entity_id = ? AND attribute IN ({', '.join('?' for _ in wanted)}) "
            f"ORDER BY attribute, authority_rank, arrived_at DESC NULLS LAST",
            [v.table, entity_id, *wanted],
        )
        cols = [d[0] for d in cur.description]
        for row in _records(cur, cols):
            out["provenance"].setdefault(row.pop("attribute"), []).append(row)
    finally:
        cur.close()
    return out


def export_query(data: ReleaseData, v: View, filters: list[str], sort: str | None,
                 max_rows: int) -> tuple[str, list, int, list[str]]:  # fmt: skip
    """SQL, parameters, row count and the first entity ids of an export (counted before a byte
    is streamed, so the audit record is written first)."""
    where, params = _where(v, filters)
    order = parse_sort(v, sort)
    cur = data.cursor()
    try:
        total = cur.execute(f"SELECT count(*) FROM {v.table} WHERE {where}", params).fetchone()[0]
        if total > max_rows:
            raise ShareError("export.too_large", f"the export would hold {total} rows; at most {max_rows} "
                             "(narrow it with filters)", "export.limit", 413)  # fmt: skip
        ids = [r[0] for r in cur.execute(f"SELECT {_q(ENTITY_KEY)} FROM {v.table} WHERE {where} ORDER BY {order} "
                                         "LIMIT 1000", params).fetchall()]  # fmt: skip
    finally:
        cur.close()
    sql = f"SELECT {v.select_list()} FROM {v.table} WHERE {where} ORDER BY {order}"
    return sql, params, total, ids
