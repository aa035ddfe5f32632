"""Build the linkage tables from a synthetic city's deliveries, normalised by the standards layer.

Rows are read by each source's manifest entry, land in DuckDB as text, and are normalised with the
standards layer's SQL macros (``yishu.standards.sql``): the same checks the pipeline's conform stage
uses, and fast enough for millions of rows.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa

from yishu.linkage.records import ENTITY_TABLES, ROLES
from yishu.parallel import fork_map
from yishu.standards import sql as standards_sql
from yishu.synth.reader import read_delivery

LEGAL_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "责任公司", "公司")


def pinyin(text: str | None) -> str | None:
    """Toneless pinyin, for homophones: 李明 and 黎明 give liming."""
    from pypinyin import lazy_pinyin

    return None if text is None else "".join(lazy_pinyin(text))


_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = re.compile("[零〇一二两三四五六七八九十百千]+")
_NUMBER = re.compile(r"[0-9]+")


def chinese_number(text: str) -> int:
    """十四 -> 14, 二十 -> 20, 一千零二 -> 1002, 二〇一 -> 201 (digit by digit when there is no unit)."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


def address_key(text: str | None) -> str | None:
    """The last three numbers of an address (group and house, or building, unit and room), whatever
    the writing: 五组十四号 and 5组14号 give 5-14; 7幢1门2102室, 7栋1单元2102室 and 7-1-2102 give 7-1-2102.

    A linkage key only, until the address engine gives standard address codes: with the name it
    blocks and compares the same place written in different ways."""
    if not text:
        return None
    digits = _NUMERAL.sub(lambda m: str(chinese_number(m.group())), unicodedata.normalize("NFKC", text))
    numbers = _NUMBER.findall(digits)
    return "-".join(str(int(n)) for n in numbers[-3:]) or None


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The standards macros (pinyin and the address key are Python: ``PYTHON_NORMAL``)."""
    standards_sql.register(con)


def _raw_table(city_dir: Path, source: dict, entity_type: str) -> pa.Table | None:
    roles = ROLES[entity_type]
    columns = {c["name"]: roles[c["role"]] for c in source["columns"] if c["role"] in roles}
    if not columns:
        return None
    data: dict[str, list] = {"row_number": []}
    for target in set(columns.values()):
        data[target] = []
    for i, row in enumerate(read_delivery(city_dir, source), start=1):
        data["row_number"].append(i)
        for name, target in columns.items():
            value = row.get(name)
            data[target].append(None if value is None or value == "" else str(value))
    table = pa.table(data)
    return table.append_column("source", pa.array([source["source"]] * table.num_rows, pa.string()))


# Normal forms: column -> (raw column, SQL of ``x``). Each is computed once per distinct raw value
# and joined back: the standards macros and the Python functions (pinyin, address key) cost 5 to
# 30 microseconds a value, and people repeat their names, dates and IDs across sources.
ID_18 = ("yishu_id_normalise(CASE WHEN length(regexp_replace(x, '\\s', '', 'g')) = 20 "
         "THEN substring(regexp_replace(x, '\\s', '', 'g'), 1, 18) ELSE x END)")  # fmt: skip
NORMAL = {
    "person": {"citizen_id": ("id_raw", ID_18), "name": ("name_raw", "yishu_name(x)"),
               "sex": ("sex_raw", "yishu_sex_code(x)"), "birth_date": ("birth_raw", "yishu_date(x)"),
               "phone": ("phone_raw", "yishu_phone(x)")},
    "organisation": {"uscc": ("code_raw", "yishu_uscc_normalise(x)"), "name": ("name_raw", "yishu_name(x)")},
    "house": {},
}  # fmt: skip
# Normal forms computed by Python functions (no SQL counterpart): column -> (raw column, function),
# over the distinct values in forked processes (``yishu.parallel``); the pinyin of the normal name
# (``name_py``) too.
PYTHON_NORMAL = {"person": {"address_key": ("address", address_key)}, "organisation": {}, "house": {}}
# the select over ``raw r`` and the lookups ``n_<column>(x, v)``
SELECT = {
    "person": """
        SELECT r.source || '#' || r.row_number AS record_id, r.source, r.row_number, r.id_raw,
               n_citizen_id.v AS citizen_id, n_name.v AS name, n_sex.v AS sex, n_birth_date.v AS birth_date,
               n_phone.v AS phone, r.address, r.grid, {address_code} AS address_code,
               CASE WHEN n_citizen_id.v IS NOT NULL THEN 'valid'
                    WHEN r.id_raw IS NULL OR trim(r.id_raw) = '' THEN 'missing' ELSE 'invalid' END AS id_state,
               n_name_py.v AS name_py, n_address_key.v AS address_key""",
    "organisation": f"""
        SELECT r.source || '#' || r.row_number AS record_id, r.source, r.row_number, r.code_raw,
               n_uscc.v AS uscc, n_name.v AS name, r.representative, r.address, {{address_code}} AS address_code,
               CASE WHEN n_uscc.v IS NOT NULL THEN 'valid'
                    WHEN r.code_raw IS NULL OR trim(r.code_raw) = '' THEN 'missing' ELSE 'invalid' END AS code_state,
               regexp_replace(regexp_replace(n_name.v, '[()（）\\s]', '', 'g'), '({"|".join(LEGAL_FORMS)})$', '')
                   AS name_key""",
    "house": """
        SELECT r.source || '#' || r.row_number AS record_id, r.source, r.row_number, trim(r.unit_no) AS unit_no,
               r.address, {address_code} AS address_code, TRY_CAST(r.area AS DOUBLE) AS area""",
}  # fmt: skip


def build(con: duckdb.DuckDBPyConnection, entity_type: str, raw: str, processes: int = 1) -> str:
    """Create the linkage table of ``entity_type`` (schema in ``records``) from the relation ``raw``
    (columns: source, row_number and the raw columns of ``records.ROLES``; ``address_code`` too
    where the address engine matched the address, else it is NULL); returns its name."""
    register_functions(con)
    has_code = "address_code" in {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {raw}").fetchall()}
    table = ENTITY_TABLES[entity_type]
    joins = []
    for column, (raw_column, expr) in NORMAL[entity_type].items():
        _lookup(con, f"n_{column}", f"SELECT DISTINCT {raw_column} AS x FROM {raw}", expr)
        joins.append(f"LEFT JOIN n_{column} ON n_{column}.x = r.{raw_column}")
    for column, (raw_column, function) in PYTHON_NORMAL[entity_type].items():
        _python_lookup(con, f"n_{column}", f"SELECT DISTINCT {raw_column} FROM {raw}", function, processes)
        joins.append(f"LEFT JOIN n_{column} ON n_{column}.x = r.{raw_column}")
    if entity_type == "person":  # pinyin of the normal name
        _python_lookup(con, "n_name_py", "SELECT DISTINCT v FROM n_name", pinyin, processes)
        joins.append("LEFT JOIN n_name_py ON n_name_py.x = n_name.v")
    select = SELECT[entity_type].replace(
        "{address_code}", "r.address_code" if has_code else "CAST(NULL AS VARCHAR)"
    )
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {select} FROM {raw} r {' '.join(joins)}")
    for column in [*NORMAL[entity_type], *PYTHON_NORMAL[entity_type], "name_py"]:
        con.execute(f"DROP TABLE IF EXISTS n_{column}")
    return table


def _lookup(con: duckdb.DuckDBPyConnection, name: str, values: str, expr: str) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT x, {expr} AS v FROM ({values}) WHERE x IS NOT NULL"
    )


def _python_lookup(con: duckdb.DuckDBPyConnection, name: str, values: str, function, processes: int) -> None:
    """``name(x, v)``: ``function`` of each non-null value of the one-column query ``values``."""
    xs = [x for x in con.execute(values).to_arrow_table().column(0).to_pylist() if x is not None]
    con.register(f"{name}_arrow", pa.table({"x": pa.array(xs, pa.string()),
                                            "v": pa.array(fork_map(function, xs, processes), pa.string())}))  # fmt: skip
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def prepare_city(
    con: duckdb.DuckDBPyConnection, city_dir: str | Path, sources: list[str] | None = None
) -> dict:
    """Create ``link_person``, ``link_organisation`` and ``link_house`` from a synth city's deliveries.

    Each delivery's records go to the table of its main entity type (the manifest says which).
    Returns the row count per table."""
    city_dir = Path(city_dir)
    manifest = json.loads((city_dir / "manifest.json").read_text(encoding="utf-8"))
    register_functions(con)
    counts = {}
    for entity_type in ENTITY_TABLES:
        parts = [
            t
            for s in manifest["sources"]
            if s["entity_type"] == entity_type and (sources is None or s["source"] in sources)
            for t in [_raw_table(city_dir, s, entity_type)]
            if t is not None
        ]
        if not parts:
            continue
        con.register("raw", pa.concat_tables(parts, promote_options="default"))
        table = build(con, entity_type, "raw")
        con.unregister("raw")
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return counts


def prepare_rows(con: duckdb.DuckDBPyConnection, entity_type: str, rows: list[dict]) -> None:
    """Build one linkage table from raw rows (dicts with source, row_number and the raw columns of
    ``records.ROLES`` targets: id_raw, name_raw, birth_raw ...), normalised like ``prepare_city``."""
    names = sorted({*ROLES[entity_type].values(), "source", "row_number"})
    table = pa.table({n: [r.get(n) for r in rows] for n in names},
                     schema=pa.schema([(n, pa.int64() if n == "row_number" else pa.string()) for n in names]))  # fmt: skip
    con.register("raw", table)
    build(con, entity_type, "raw")
    con.unregister("raw")
