"""The linkage stage: conformed values to the record tables of ``yishu.linkage.records``, then
``yishu.linkage.link`` (keys, repair, Splink, stable ids).

The record tables are built from the raw values of accepted rows, read from the landed files, one
row per record (the linkage normalises them with the same standards macros and also needs what
failed validation: an invalid citizen ID is repaired there when its one candidate agrees on name
and birth date). Addresses carry the standard address code the standardise stage found. Event
sources (网格核验) speak of entities by id and are not linked.

Output: ``gov_entity`` (eno, entity_type, entity_id, linked: every entity a record links to, and
those grid workers' answers name) and ``link`` (one row per linked record: the release table's
columns, ``LINK_RELEASE``, plus rid and eno).
"""

from __future__ import annotations

from yishu.duck import tables as duck_tables
from yishu.linkage import link as run_link
from yishu.linkage.prepare import build, register_functions
from yishu.pipeline import keys
from yishu.pipeline.conform import ROW_KEY, DeliveryInUse, _raw
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
EXTRA = {"person": {"grid": "grid_name"}}  # record column <- the data element of its column


def _pick(d: DeliveryInUse, wanted) -> str:
    """The raw value of the first of the delivery's columns that ``wanted(element, attribute)``
    accepts (of several, the greatest, as one attribute's values of a record are read)."""
    columns = [_raw(c) for c, element, attribute in d.mapped if wanted(element, attribute)]
    if not columns:
        return "CAST(NULL AS VARCHAR)"
    return columns[0] if len(columns) == 1 else f"greatest({', '.join(columns)})"


def _record_select(d: DeliveryInUse, entity_type: str, read) -> str | None:
    """One delivery's accepted records as rows of ``raw_<type>``, or None when it has none."""
    if d.resource is None or d.event or d.resource.entity_type != entity_type:
        return None
    attrs = {a for attrs in COLUMNS[entity_type].values() for a in attrs}
    if not any(attribute in attrs for _c, _e, attribute in d.mapped):
        return None
    picks = []
    for column, options in COLUMNS[entity_type].items():
        values = [_pick(d, lambda _e, attribute, a=a: attribute == a) for a in options]
        values = [v for v in values if v != "CAST(NULL AS VARCHAR)"] or ["CAST(NULL AS VARCHAR)"]
        picks.append(
            f"{values[0] if len(values) == 1 else 'coalesce(' + ', '.join(values) + ')'} AS {column}"
        )
    for column, element in EXTRA.get(entity_type, {}).items():
        picks.append(f"{_pick(d, lambda e, _a, element=element: e == element)} AS {column}")
    return (f"SELECT {lit(d.source)} AS source, _row_number AS row_number, {ROW_KEY} AS rid, {', '.join(picks)} "
            f"FROM {read(d.landed_path)} "
            f"WHERE {ROW_KEY} NOT IN (SELECT rid FROM gov_row WHERE quarantine IS NOT NULL)")  # fmt: skip


def raw_step(entity_type: str, used: list[DeliveryInUse], read) -> Step:
    """``raw_<type>``: one row per accepted record of the type, with the raw columns linkage reads and
    the standard address code of its address (``record_code``), read from the landed files (the rows
    of deliveries that deliver any of the columns)."""
    selects = [s for d in used if (s := _record_select(d, entity_type, read))]
    empty = ", ".join(
        f"CAST(NULL AS VARCHAR) AS {c}" for c in [*COLUMNS[entity_type], *EXTRA.get(entity_type, {})]
    )
    rows = " UNION ALL ".join(selects) or (
        f"SELECT CAST(NULL AS VARCHAR) AS source, CAST(NULL AS BIGINT) AS row_number, CAST(NULL AS BIGINT) AS rid, "
        f"{empty} WHERE 1 = 0"
    )
    return Step(
        f"records for linkage: {entity_type}",
        f"raw_{entity_type}",
        f"SELECT r.*, c.address_code FROM ({rows}) r LEFT JOIN record_code c USING (rid)",
    )


# the standard address code of each record with a matched address; of two, the attribute greatest by
# name (hukou over actual address, registered over business address), as the linkage was tuned
RECORD_CODE = Step(
    "address codes of records",
    "record_code",
    """SELECT rid, arg_max(address_code, aid) AS address_code
       FROM record_address WHERE address_code IS NOT NULL GROUP BY rid""",
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
    """Link the prepared tables; returns ``linkage.LinkResult``. Writes ``gov_entity`` and ``link``.
    Records a grid worker said are not the one they were linked to (``link_detached``) stand alone."""
    result = run_link(con)
    states = []
    present = duck_tables(con)
    if "link_person" in present:
        states.append("SELECT record_id, id_state AS key_state FROM link_person")
    if "link_organisation" in present:
        states.append("SELECT record_id, code_state FROM link_organisation")
    key_state = " UNION ALL ".join(states) or "SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS key_state"
    # entities numbered in the order of type and id (``keys``); those only answers name are not linked
    con.execute(
        """CREATE OR REPLACE TABLE gov_entity AS
           SELECT row_number() OVER (ORDER BY entity_type, entity_id) AS eno, entity_type, entity_id, linked
           FROM (SELECT entity_type, entity_id, bool_or(linked) AS linked
                 FROM (SELECT entity_type, entity_id, true AS linked FROM link_result
                       UNION ALL SELECT entity_type, entity_id, false FROM gov_answer)
                 GROUP BY entity_type, entity_id)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE link AS
            SELECT l.record_id, l.source, d.delivery_id, l.row_number, l.entity_type, l.entity_id, l.method,
                   l.note, l.match_probability, k.key_state, {keys.rid("d.delivery_id", "l.row_number")} AS rid, e.eno
            FROM link_result l
            JOIN gov_delivery d ON d.source = l.source AND NOT d.event
            JOIN gov_entity e USING (entity_type, entity_id)
            LEFT JOIN ({key_state}) k USING (record_id)"""
    )
    return result


LINK_RELEASE = """
    SELECT record_id, source, delivery_id, row_number, entity_type, entity_id, method, note, match_probability,
           key_state
    FROM link ORDER BY eno, rid"""
