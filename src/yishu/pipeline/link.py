"""The linkage stage: conformed values to the record tables of ``yishu.linkage.records``, then
``yishu.linkage.link`` (keys, repair, Splink, stable ids).

The record tables are built from the raw values of accepted rows (the linkage normalises them with
the same standards macros and also needs what failed validation: an invalid citizen ID is repaired
there when its one candidate agrees on name and birth date). Addresses carry the standard address
code the standardise stage found. Event sources (网格核验) speak of entities by id and are not linked.
"""

from __future__ import annotations

from yishu.duck import tables as duck_tables
from yishu.linkage import link as run_link
from yishu.linkage.prepare import build, register_functions
from yishu.pipeline.conform import ACCEPTED
from yishu.pipeline.steps import Step
from yishu.standards.sql import lit

# record column <- attributes, first present wins (the same roles as ``records.ROLES``)
PERSON = {
    "id_raw": ("person.citizen_id", "person.disability_card_no"),
    "name_raw": ("person.name",),
    "sex_raw": ("person.sex",),
    "birth_raw": ("person.birth_date",),
    "phone_raw": ("person.phone",),
    "address": ("person.actual_address", "person.hukou_address"),
}
ORGANISATION = {
    "code_raw": ("organisation.uscc",),
    "name_raw": ("organisation.name",),
    "representative": ("organisation.legal_representative",),
    "address": ("organisation.business_address", "organisation.registered_address"),
}
HOUSE = {"unit_no": ("house.unit_no",), "address": ("house.address",), "area": ("house.area",)}
COLUMNS = {"person": PERSON, "organisation": ORGANISATION, "house": HOUSE}
EXTRA = {"person": {"grid": "element = 'grid_name'"}}


def raw_step(entity_type: str) -> Step:
    """``raw_<type>``: one row per accepted record of the type, with the raw columns linkage reads and
    the standard address code of its address (``record_code``)."""
    picks = []
    for column, attrs in COLUMNS[entity_type].items():
        options = [f"max(CASE WHEN attribute = {lit(a)} THEN raw END)" for a in attrs]
        picks.append(
            f"{options[0] if len(options) == 1 else 'coalesce(' + ', '.join(options) + ')'} AS {column}"
        )
    for column, condition in EXTRA.get(entity_type, {}).items():
        picks.append(f"max(CASE WHEN {condition} THEN raw END) AS {column}")
    identity = ", ".join(lit(a) for attrs in COLUMNS[entity_type].values() for a in attrs)
    return Step(
        f"records for linkage: {entity_type}",
        f"raw_{entity_type}",
        f"""SELECT r.*, c.address_code FROM (
                SELECT max(v.source) AS source, max(v.row_number) AS row_number, v.record_id, {", ".join(picks)}
                FROM gov_value v
                WHERE v.entity_type = {lit(entity_type)} AND v.record_id NOT LIKE '%#%.%' AND {ACCEPTED}
                GROUP BY v.record_id
                HAVING max(CASE WHEN attribute IN ({identity}) THEN 1 ELSE 0 END) = 1) r
            LEFT JOIN record_code c USING (record_id)""",
    )


# the standard address code of each record with a matched address; of two, the attribute greatest by
# name (hukou over actual address, registered over business address), as the linkage was tuned
RECORD_CODE = Step(
    "address codes of records",
    "record_code",
    """SELECT record_id, arg_max(address_code, attribute) AS address_code
       FROM record_address WHERE address_code IS NOT NULL GROUP BY record_id""",
)


def prepare(con, processes: int = 1) -> dict[str, int]:
    """Create ``link_person``, ``link_organisation``, ``link_house`` from the ``raw_*`` tables
    (``processes``: how many compute the Python normal forms, ``linkage.prepare.build``)."""
    register_functions(con)
    counts = {}
    for entity_type in COLUMNS:
        n = con.execute(f"SELECT count(*) FROM raw_{entity_type}").fetchall()[0][0]
        con.execute(f"DROP TABLE IF EXISTS link_{entity_type}")
        if n == 0:
            continue
        table = build(con, entity_type, f"raw_{entity_type}", processes)
        counts[entity_type] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return counts


DETACHED = Step(
    "links refused by grid workers",
    "link_detached",
    """SELECT DISTINCT substring(attribute, 7) AS record_id FROM verification_answer
       WHERE attribute LIKE '\\_link:%' ESCAPE '\\' AND answer = 'choose' AND value = 'different'""",
)


def link(con):
    """Link the prepared tables; returns ``linkage.LinkResult``. Writes ``link``. Records a grid
    worker said are not the one they were linked to (``link_detached``) stand alone."""
    result = run_link(con)
    states = []
    present = duck_tables(con)
    if "link_person" in present:
        states.append("SELECT record_id, id_state AS key_state FROM link_person")
    if "link_organisation" in present:
        states.append("SELECT record_id, code_state FROM link_organisation")
    key_state = " UNION ALL ".join(states) or "SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS key_state"
    con.execute(
        f"""CREATE OR REPLACE TABLE link AS
            SELECT l.record_id, l.source, r.delivery_id, l.row_number, l.entity_type, l.entity_id, l.method,
                   l.note, l.match_probability, k.key_state
            FROM link_result l
            JOIN (SELECT DISTINCT record_id, delivery_id FROM gov_row) r USING (record_id)
            LEFT JOIN ({key_state}) k USING (record_id)"""
    )
    return result
