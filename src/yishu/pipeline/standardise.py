"""Standardise addresses: every delivered address text matched to the standard address register.

Distinct texts are matched once (deliveries repeat addresses) by the address engine
(``yishu.address.AddressRegister``), which returns the standard address code, the level matched,
a confidence, and below the threshold a proposal to verify instead of a guess. The register is the
workspace's ``data/register/addresses.parquet`` (see ``register_path``).

Output tables: ``address_match`` (text -> code, level, confidence, status, reasons),
``record_address`` (one row per delivered address value: rid, aid, text, the match, and the
jurisdiction of the matched code: district 6, township 9, community 12 and grid 15 digits; the
release table of that name spells out the record, ``record_address_release``) and
``record_jurisdiction`` (rid -> the jurisdiction of the record's best placed address).
"""

from __future__ import annotations

import functools
import shutil
from functools import partial
from pathlib import Path

import pyarrow as pa

from yishu.address import AddressRegister
from yishu.parallel import ForkPool
from yishu.pipeline import keys
from yishu.pipeline.conform import ACCEPTED
from yishu.pipeline.steps import Step
from yishu.workspace import Workspace


def register_path(ws: Workspace) -> Path:
    return ws.data_dir / "register" / "addresses.parquet"


def install_register(ws: Workspace, path: str | Path) -> Path:
    """Copy a standard address register (Parquet: address_code, division_code, grid_code, level,
    text and the elements) into the workspace, where governance runs read it."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no address register file")
    target = register_path(ws)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    return target


CHUNK = 250_000  # texts matched at a time: Python holds one chunk's texts and matches, not the city's


def match_texts(con, register: AddressRegister | None, processes: int = 1) -> int:
    """Create ``address_match`` for every distinct address text of an accepted row, and for the
    values grid workers gave (a new address after ``moved``, an address entered for a task).
    ``processes``: how many processes match (``AddressRegister.match_many``)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE address_text AS
            SELECT raw AS text, row_number() OVER (ORDER BY raw) AS i FROM (
                SELECT DISTINCT v.raw FROM gov_value v
                WHERE v.field IN (SELECT field FROM gov_field WHERE element IN ('address', 'verified_value'))
                  AND v.value IS NOT NULL AND {ACCEPTED})"""
    )
    con.register("address_match_arrow", _match_table([], []))
    con.execute("CREATE OR REPLACE TABLE address_match AS SELECT * FROM address_match_arrow")
    con.unregister("address_match_arrow")
    total = con.execute("SELECT count(*) FROM address_text").fetchall()[0][0]

    def store(texts: list[str], rows: list[tuple]) -> None:
        con.register("address_match_arrow", _match_table(texts, rows))
        con.execute("INSERT INTO address_match SELECT * FROM address_match_arrow")
        con.unregister("address_match_arrow")

    def chunks():
        for start in range(0, total, CHUNK):
            yield [r[0] for r in con.execute(
                "SELECT text FROM address_text WHERE i > ? AND i <= ? ORDER BY i", [start, start + CHUNK]).fetchall()]  # fmt: skip

    if register is None:
        for texts in chunks():
            store(texts, [(None, None, 0.0, None, None, "unmatched", "no address register")] * len(texts))
    else:  # one set of processes for every chunk; while they match a chunk, the one before is stored
        with ForkPool(partial(_match_row, register), processes) as pool:
            pending = None
            for texts in chunks():
                batch = pool.submit(texts)
                if pending:
                    store(pending[0], pending[1].get())
                pending = (texts, batch)
            if pending:
                store(pending[0], pending[1].get())
    con.execute("DROP TABLE address_text")
    return total


def _match_row(register: AddressRegister, text: str) -> tuple:
    """One text's row of ``address_match`` after the text (the columns of ``_match_table``): built
    in the matching process, so the parent only stacks rows into columns."""
    _text, code, level, confidence, division, grid, proposed, reasons = register.match_fields(text or "")
    status = "matched" if code and not proposed else "proposed" if level else "unmatched"
    return (code, level, _rounded(confidence), division, grid, status, "; ".join(reasons))


@functools.cache  # a handful of confidences (base + 0.05 per division named), and round() is slow
def _rounded(confidence: float) -> float:
    return round(confidence, 3)


MATCH_COLUMNS = {"address_code": pa.string(), "level": pa.string(), "confidence": pa.float64(),
                 "division_code": pa.string(), "grid_code": pa.string(), "status": pa.string(),
                 "reasons": pa.string()}  # fmt: skip


def _match_table(texts: list[str], rows: list[tuple]) -> pa.Table:
    columns = zip(*rows, strict=True) if rows else ([] for _ in MATCH_COLUMNS)
    table = {"text": pa.array(texts, pa.string())}
    for (name, kind), column in zip(MATCH_COLUMNS.items(), columns, strict=True):
        table[name] = pa.array(column, kind)
    return pa.table(table)


def register_table(con, register_file: Path | None, read) -> None:
    """``address_register``: the register's codes with their text and jurisdiction."""
    if register_file is not None and register_file.is_file():
        con.execute(
            f"""CREATE OR REPLACE TABLE address_register AS
                SELECT address_code, text, level, substring(division_code, 1, 6) AS district_code,
                       substring(division_code, 1, 9) AS town_code, division_code AS community_code, grid_code
                FROM {read(register_file)}"""
        )
    else:
        con.execute(
            """CREATE OR REPLACE TABLE address_register (address_code VARCHAR, text VARCHAR, level VARCHAR,
               district_code VARCHAR, town_code VARCHAR, community_code VARCHAR, grid_code VARCHAR)"""
        )


STEPS = [
    Step(
        "addresses of records",
        "record_address",
        f"""SELECT v.rid, a.aid, v.raw AS text, m.address_code, m.level, m.confidence, m.status, m.reasons,
                  coalesce(r.district_code, substring(m.division_code, 1, 6)) AS district_code,
                  coalesce(r.town_code, substring(m.division_code, 1, 9)) AS town_code,
                  coalesce(r.community_code, m.division_code) AS community_code,
                  coalesce(r.grid_code, m.grid_code) AS grid_code
           FROM gov_value v
           JOIN gov_field f USING (field)
           LEFT JOIN gov_attribute a ON a.attribute = f.attribute
           JOIN address_match m ON m.text = v.raw
           LEFT JOIN address_register r ON r.address_code = m.address_code
           WHERE f.element = 'address' AND v.value IS NOT NULL AND {ACCEPTED}""",
    ),
    Step(
        "jurisdiction of records",
        "record_jurisdiction",
        """SELECT rid, arg_max(district_code, rank) AS district_code, arg_max(town_code, rank) AS town_code,
                  arg_max(community_code, rank) AS community_code, arg_max(grid_code, rank) AS grid_code
           FROM (SELECT r.*, CASE WHEN address_code IS NOT NULL THEN 2 WHEN community_code IS NOT NULL THEN 1 ELSE 0 END
                                * 10 + CASE WHEN a.attribute LIKE '%actual_address' OR a.attribute LIKE '%business_address'
                                            THEN 1 ELSE 0 END AS rank
                 FROM record_address r LEFT JOIN gov_attribute a USING (aid))
           GROUP BY rid""",
    ),
]


# the release table ``record_address``: the records spelled out (after the sort, ``keys.Names``)
def record_address_release(names: keys.Names) -> str:
    return f"""
    SELECT {names.record_id("dno", "rid")} AS record_id, {names.source("dno")} AS source,
           {keys.delivery_of("rid")} AS delivery_id, {keys.row_of("rid")} AS row_number,
           {names.attribute("aid")} AS attribute, text, address_code, level, confidence, status, reasons,
           district_code, town_code, community_code, grid_code
    FROM (SELECT r.rid, r.aid, d.dno, r.text, r.address_code, r.level, r.confidence, r.status, r.reasons,
                 r.district_code, r.town_code, r.community_code, r.grid_code
          FROM record_address r
          {names.delivery_number("d", "r.rid")}
          ORDER BY r.rid, r.aid)"""
