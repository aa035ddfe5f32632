"""Build the linkage tables from a synthetic city's deliveries, normalised by the standards layer.

Rows are read by each source's manifest entry, land in DuckDB as text, and are normalised with the
standards layer's SQL macros (``yishu.standards.sql``): the same checks the pipeline's conform stage
uses, and fast enough for millions of rows.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from pathlib import Path

import duckdb
import pyarrow as pa

from yishu.linkage.records import ROLES
from yishu.standards import sql as standards_sql
from yishu.synth.reader import read_delivery

LEGAL_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "责任公司", "公司")


def _pinyin_arrow(values):
    import pyarrow.compute as pc
    from pypinyin import lazy_pinyin

    unique = pc.unique(values)
    out = pa.array([None if v is None else "".join(lazy_pinyin(v)) for v in unique.to_pylist()], pa.string())
    return pc.take(out, pc.index_in(values, value_set=unique))


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


def _address_key_arrow(values):
    import pyarrow.compute as pc

    unique = pc.unique(values)
    out = pa.array([address_key(v) for v in unique.to_pylist()], pa.string())
    return pc.take(out, pc.index_in(values, value_set=unique))


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The standards macros plus ``yishu_pinyin`` (toneless pinyin, for homophones)."""
    standards_sql.register(con)
    for name, function in (("yishu_pinyin", _pinyin_arrow), ("yishu_address_key", _address_key_arrow)):
        with contextlib.suppress(duckdb.InvalidInputException, duckdb.CatalogException):
            con.remove_function(name)
        con.create_function(
            name,
            function,
            [duckdb.sqltype("VARCHAR")],
            duckdb.sqltype("VARCHAR"),
            type="arrow",
            null_handling="special",  # both return NULL for some texts (an address without numbers)
        )


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


PERSON_SQL = """
SELECT source || '#' || row_number AS record_id, source, row_number, id_raw,
       yishu_id_normalise(CASE WHEN length(regexp_replace(id_raw, '\\s', '', 'g')) = 20
                               THEN substring(regexp_replace(id_raw, '\\s', '', 'g'), 1, 18) ELSE id_raw END)
           AS citizen_id,
       yishu_name(name_raw) AS name, yishu_sex_code(sex_raw) AS sex, yishu_date(birth_raw) AS birth_date,
       yishu_phone(phone_raw) AS phone, address, grid, CAST(NULL AS VARCHAR) AS address_code
FROM raw
"""
ORGANISATION_SQL = """
SELECT source || '#' || row_number AS record_id, source, row_number, code_raw,
       yishu_uscc_normalise(code_raw) AS uscc, yishu_name(name_raw) AS name, representative, address,
       CAST(NULL AS VARCHAR) AS address_code
FROM raw
"""
HOUSE_SQL = """
SELECT source || '#' || row_number AS record_id, source, row_number, trim(unit_no) AS unit_no, address,
       CAST(NULL AS VARCHAR) AS address_code, TRY_CAST(area AS DOUBLE) AS area
FROM raw
"""


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
    for entity_type, table, select in (
        ("person", "link_person", PERSON_SQL),
        ("organisation", "link_organisation", ORGANISATION_SQL),
        ("house", "link_house", HOUSE_SQL),
    ):
        parts = [
            t
            for s in manifest["sources"]
            if s["entity_type"] == entity_type and (sources is None or s["source"] in sources)
            for t in [_raw_table(city_dir, s, entity_type)]
            if t is not None
        ]
        if not parts:
            continue
        raw = pa.concat_tables(parts, promote_options="default")
        con.register("raw", raw)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}")
        con.unregister("raw")
        finish(con, entity_type)
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return counts


SELECTS = {"person": ("link_person", PERSON_SQL), "organisation": ("link_organisation", ORGANISATION_SQL),
           "house": ("link_house", HOUSE_SQL)}  # fmt: skip


def prepare_rows(con: duckdb.DuckDBPyConnection, entity_type: str, rows: list[dict]) -> None:
    """Build one linkage table from raw rows (dicts with source, row_number and the raw columns of
    ``records.ROLES`` targets: id_raw, name_raw, birth_raw ...), normalised like ``prepare_city``."""
    register_functions(con)
    names = sorted({*ROLES[entity_type].values(), "source", "row_number"})
    table = pa.table({n: [r.get(n) for r in rows] for n in names},
                     schema=pa.schema([(n, pa.int64() if n == "row_number" else pa.string()) for n in names]))  # fmt: skip
    target, select = SELECTS[entity_type]
    con.register("raw", table)
    con.execute(f"CREATE OR REPLACE TABLE {target} AS {select}")
    con.unregister("raw")
    finish(con, entity_type)


def finish(con: duckdb.DuckDBPyConnection, entity_type: str) -> None:
    """Derived columns: id state and pinyin for people; the folded name key for organisations."""
    if entity_type == "person":
        con.execute(
            """
            CREATE OR REPLACE TABLE link_person AS
            SELECT *, CASE WHEN citizen_id IS NOT NULL THEN 'valid'
                           WHEN id_raw IS NULL OR trim(id_raw) = '' THEN 'missing' ELSE 'invalid' END AS id_state,
                      yishu_pinyin(name) AS name_py, yishu_address_key(address) AS address_key
            FROM link_person
            """
        )
    elif entity_type == "organisation":
        forms = "|".join(LEGAL_FORMS)
        con.execute(
            f"""
            CREATE OR REPLACE TABLE link_organisation AS
            SELECT *, CASE WHEN uscc IS NOT NULL THEN 'valid'
                           WHEN code_raw IS NULL OR trim(code_raw) = '' THEN 'missing' ELSE 'invalid' END
                          AS code_state,
                      regexp_replace(regexp_replace(name, '[()（）\\s]', '', 'g'), '({forms})$', '') AS name_key
            FROM link_organisation
            """
        )
