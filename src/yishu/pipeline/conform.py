"""Conform and validate: every delivered value mapped to its data element, normalised by the
standards layer, and judged; rows that cannot be used quarantined with their reasons.

Input: the landed Parquet of each delivery in use (``ingest``) and the catalogue resource of its
source (column -> data element -> standards macro -> entity attribute). Output tables (integer keys
as in ``keys``):

``gov_field``    one row per mapped column of a delivery in use (built here, in Python): field,
                 delivery_id, sid, source, entity_type, attribute, element, column_name, identity (the
                 column identifies the entity), authority_rank (of the source for the attribute; 100
                 when the authority map does not list it).
``gov_value``    one row per delivered value of a mapped column: rid, field, raw (trimmed, NULL when
                 empty), value (the normal form; NULL when empty or invalid), reason (the stable code
                 of an invalid value). A value is empty when ``raw IS NULL``, ok when ``value IS NOT
                 NULL``, invalid otherwise.
``gov_row``      one row per landed row: rid, delivery_id, quarantine (NULL when accepted, else the
                 reason code), detail.
``gov_delivery`` per delivery in use: delivery_id, sid, source, prefix (of its record ids), event,
                 arrived_at, arrival (1 for the latest arrival), rows_in, accepted, quarantined,
                 update_cycle.
``quarantine``   rows and values that could not be used (the release table; see ``schema``).

Which deliveries are in use: a source's latest delivery is its current full snapshot; sources whose
resource is updated in real time (events such as 网格核验 answers) contribute every delivery.
Record ids are ``source#row`` for snapshots and ``source#delivery.row`` for event sources.

Rows quarantined here: ``duplicate_row`` (the same content as an earlier row of the delivery: kept,
with the row it repeats) and ``no_identity`` (no value at all in any field that identifies the
entity: citizen ID, disability card, name; credit code, name; unit number, address). Invalid values
in a usable row are kept in ``quarantine`` at value level and the row goes on without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from yishu.catalogue.model import Catalogue, DataElement, Resource
from yishu.pipeline import keys
from yishu.pipeline.steps import Step
from yishu.standards.sql import lit

EVENT_CYCLES = ("realtime",)
IDENTITY = {
    "person": ("person.citizen_id", "person.disability_card_no", "person.name"),
    "organisation": ("organisation.uscc", "organisation.name"),
    "house": ("house.unit_no", "house.address"),
}
IDENTITY_ELEMENTS = ("entity_id",)  # event sources name the entity they speak of
# ``gov_value v`` of an accepted row. (NOT IN the few quarantined rows: four times faster in DuckDB
# than joining every value to ``gov_row``, which builds a hash table of every row.)
ACCEPTED = "v.rid NOT IN (SELECT rid FROM gov_row WHERE quarantine IS NOT NULL)"
UNRANKED = 100  # the authority rank of a source the authority map does not list for the attribute
ROW_KEY = keys.rid("_delivery_id", "_row_number")  # the record key of a landed row


@dataclass(frozen=True)
class DeliveryInUse:
    delivery_id: int
    source: str
    arrived_at: str
    rows_in: int
    rows_landed: int
    rows_quarantined: int
    landed_path: Path
    columns: tuple[str, ...]
    resource: Resource | None
    mapped: tuple[tuple[str, str, str | None], ...] = ()  # (column, element, attribute) delivered and mapped

    @property
    def event(self) -> bool:
        return self.resource is not None and self.resource.update_cycle in EVENT_CYCLES

    @property
    def quarantine_path(self) -> Path:
        return self.landed_path.with_name(f"{self.delivery_id}.quarantine.parquet")


def mapping(columns: tuple[str, ...], resource: Resource | None, confirmed: dict[str, str]) -> tuple:
    """The delivered columns mapped to data elements: the resource's own columns, then columns a
    person confirmed for this source (``yishu catalog map --confirm``) standing in for a resource
    field of the same element that this delivery lacks (a department renamed a column)."""
    if resource is None:
        return ()
    present = set(columns)
    out = [(f.column, f.element, f.attribute) for f in resource.fields if f.column in present]
    covered = {f.element for f in resource.fields if f.column in present}
    for column, element in confirmed.items():
        if column in present and column not in {c for c, _e, _a in out} and element not in covered:
            attribute = next((f.attribute for f in resource.fields if f.element == element), None)
            out.append((column, element, attribute))
            covered.add(element)
    return tuple(out)


def deliveries_in_use(rows: list[dict], catalogue: Catalogue,
                      confirmed: dict[str, dict[str, str]] | None = None) -> list[DeliveryInUse]:  # fmt: skip
    """From the control plane's delivery rows: each source's latest, or all for event sources."""
    by_source: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["delivery_id"]):
        by_source.setdefault(row["source"], []).append(row)
    out = []
    for source in sorted(by_source):
        try:
            resource = catalogue.resource_for_source(source)
        except KeyError:
            resource = None
        chosen = by_source[source]
        if resource is None or resource.update_cycle not in EVENT_CYCLES:
            chosen = chosen[-1:]
        for r in chosen:
            arrived = r["arrived_at"]
            columns = tuple(json.loads(r["columns"]))
            out.append(DeliveryInUse(r["delivery_id"], source, arrived.isoformat() if hasattr(arrived, "isoformat")
                                     else str(arrived), r["rows_in"], r["rows_landed"], r["rows_quarantined"],
                                     Path(r["landed_path"]), columns, resource,
                                     mapping(columns, resource, (confirmed or {}).get(source, {}))))  # fmt: skip
    return out


def normaliser(element: DataElement, raw: str) -> str:
    """The SQL that turns ``raw`` (trimmed, non-empty text) into the element's normal form or NULL."""
    if element.check.normalise:
        return f"CAST({element.check.normalise}({raw}) AS VARCHAR)"
    if element.type == "date":
        return f"CAST(yishu_date({raw}) AS VARCHAR)"
    if element.type == "integer":
        return f"CAST(TRY_CAST(regexp_replace({raw}, '[,，\\s]', '', 'g') AS BIGINT) AS VARCHAR)"
    if element.type == "decimal":
        return f"CAST(TRY_CAST(regexp_replace({raw}, '[,，\\s]', '', 'g') AS DECIMAL(18, 2)) AS VARCHAR)"
    if element.id.endswith("_name"):  # names: no space between two Chinese characters (黄石 兴旺 -> 黄石兴旺)
        cjk = "[\\x{4e00}-\\x{9fff}]"
        return (f"regexp_replace(regexp_replace(regexp_replace({raw}, '\\s+', ' ', 'g'), "
                f"'({cjk}) ({cjk})', '\\1\\2', 'g'), '({cjk}) ({cjk})', '\\1\\2', 'g')")  # fmt: skip
    return f"regexp_replace({raw}, '\\s+', ' ', 'g')"


def reason(element: DataElement, raw: str) -> str:
    """The stable reason code of an invalid value (more precise for the national identifiers)."""
    if element.check.sql == "yishu_id_valid":
        return (f"CASE WHEN NOT regexp_full_match(yishu_id_number({raw}), '[0-9]{{17}}[0-9X]') "
                f"THEN '{element.id}.format' WHEN NOT yishu_id_check_ok(yishu_id_number({raw})) "
                f"THEN '{element.id}.check_digit' ELSE '{element.id}.invalid' END")  # fmt: skip
    if element.check.sql == "yishu_uscc_valid":
        return (f"CASE WHEN length(regexp_replace(upper({raw}), '[^0-9A-Z]', '', 'g')) <> 18 "
                f"THEN '{element.id}.format' ELSE '{element.id}.check_digit' END")  # fmt: skip
    return lit(f"{element.id}.invalid")


@dataclass(frozen=True)
class FieldInUse:
    """A mapped column of a delivery in use: one row of ``gov_field``."""

    field: int
    delivery: DeliveryInUse
    column: str
    element: str
    attribute: str | None
    identity: bool  # the column identifies the entity (``IDENTITY``, ``IDENTITY_ELEMENTS``)
    authority_rank: int


def fields(used: list[DeliveryInUse], catalogue: Catalogue) -> list[FieldInUse]:
    """Every mapped column of the deliveries in use, numbered in the order of ``used``."""
    out = []
    for d in used:
        if d.resource is None:
            continue
        for column, element, attribute in d.mapped:
            ranked = catalogue.authority.get(attribute, []) if attribute else []
            identity = attribute in IDENTITY.get(d.resource.entity_type, ()) or element in IDENTITY_ELEMENTS
            out.append(FieldInUse(len(out) + 1, d, column, element, attribute, identity,
                                  ranked.index(d.source) if d.source in ranked else UNRANKED))  # fmt: skip
    return out


def field_table(used: list[DeliveryInUse], catalogue: Catalogue):
    """``gov_field`` as a pyarrow table."""
    import pyarrow as pa

    sid = _source_ids(used)
    fs = fields(used, catalogue)
    return pa.table(
        {
            "field": pa.array([f.field for f in fs], pa.int32()),
            "delivery_id": pa.array([f.delivery.delivery_id for f in fs], pa.int64()),
            "sid": pa.array([sid[f.delivery.source] for f in fs], pa.int32()),
            "source": pa.array([f.delivery.source for f in fs], pa.string()),
            "entity_type": pa.array([f.delivery.resource.entity_type for f in fs], pa.string()),
            "attribute": pa.array([f.attribute for f in fs], pa.string()),
            "element": pa.array([f.element for f in fs], pa.string()),
            "column_name": pa.array([f.column for f in fs], pa.string()),
            "identity": pa.array([f.identity for f in fs], pa.bool_()),
            "authority_rank": pa.array([f.authority_rank for f in fs], pa.int32()),
        }
    )


def _source_ids(used: list[DeliveryInUse]) -> dict[str, int]:
    return {source: i for i, source in enumerate(sorted({d.source for d in used}), start=1)}


def _prefix(d: DeliveryInUse) -> str:
    """What a record id of the delivery starts with; the row number follows."""
    return f"{d.source}#{d.delivery_id}." if d.event else f"{d.source}#"


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _raw(column: str) -> str:
    """A delivered cell as ``gov_value.raw``: trimmed, NULL when empty."""
    return f"nullif(trim({_quote(column)}), '')"


def plain(element: DataElement) -> bool:
    """Elements normalised in place (whitespace only, which never fails): cheaper than looking up
    each distinct value, and most of them are addresses, which rarely repeat."""
    return normaliser(element, "x") == r"regexp_replace(x, '\s+', ' ', 'g')"


def _values_select(d: DeliveryInUse, fs: list[FieldInUse], read) -> str:
    """The values of some mapped columns of one delivery in long form: rid, field, raw. A select per
    column: Parquet reads just that column each time (half the CPU time of unnesting a list of every
    column per row, at a million people)."""
    return " UNION ALL ".join(
        f"SELECT {ROW_KEY} AS rid, CAST({f.field} AS INTEGER) AS field, {_raw(f.column)} AS raw "
        f"FROM {read(d.landed_path)}"
        for f in fs
    )


def _groups(elements: list[DataElement], build) -> dict[str, list[str]]:
    """Elements grouped by the SQL expression ``build`` gives them, so each standards macro appears
    once per query. (One CASE over every element is 15x slower in DuckDB: it evaluates branches
    over whole vectors.)"""
    groups: dict[str, list[str]] = {}
    for e in elements:
        groups.setdefault(build(e), []).append(e.id)
    return groups


def normal_select(fs: list[FieldInUse], catalogue: Catalogue) -> str:
    """``gov_normal``: the normal form and reason code of each distinct (element, raw) of the
    columns normalised by lookup (reasons precise for the national identifiers: format or check
    digit). Deliveries repeat values (every person's ID, name and birth date in several sources; sex
    and ethnicity almost always): each is normalised once. Normalisers are applied bare (they return
    NULL for NULL): wrapped in ``CASE WHEN raw IS NOT NULL`` DuckDB 1.5 runs the standards macros
    about 100 times slower."""
    elements = [catalogue.elements[i] for i in sorted({f.element for f in fs})]
    parts = [
        f"SELECT element, raw, {expr} AS value FROM distinct_raw WHERE element IN ({', '.join(map(lit, group))})"
        for expr, group in _groups(elements, lambda e: normaliser(e, "raw")).items()
    ] or ["SELECT element, raw, CAST(NULL AS VARCHAR) AS value FROM distinct_raw"]
    precise = [
        f"SELECT element, raw, {reason(e, 'raw')} AS reason FROM normal "
        f"WHERE element = {lit(e.id)} AND value IS NULL"
        for e in elements
        if e.check.sql in ("yishu_id_valid", "yishu_uscc_valid")
    ] or ["SELECT CAST(NULL AS VARCHAR) AS element, CAST(NULL AS VARCHAR) AS raw, "
          "CAST(NULL AS VARCHAR) AS reason WHERE 1 = 0"]  # fmt: skip
    return f"""
        WITH distinct_raw AS (SELECT DISTINCT f.element, r.raw FROM gov_raw_lookup r JOIN gov_field f USING (field)
                              WHERE r.raw IS NOT NULL),
             normal AS ({" UNION ALL ".join(parts)}),
             why AS ({" UNION ALL ".join(precise)})
        SELECT n.element, n.raw, n.value,
               CASE WHEN n.value IS NULL THEN coalesce(w.reason, n.element || '.invalid') END AS reason
        FROM normal n LEFT JOIN why w ON w.element = n.element AND w.raw = n.raw"""


VALUE_SELECT = """
    SELECT rid, field, raw, regexp_replace(raw, '\\s+', ' ', 'g') AS value, CAST(NULL AS VARCHAR) AS reason
    FROM gov_raw_plain
    UNION ALL
    SELECT r.rid, r.field, r.raw, n.value, n.reason
    FROM gov_raw_lookup r JOIN gov_field f USING (field)
    LEFT JOIN gov_normal n ON n.element = f.element AND n.raw = r.raw"""


def _row_select(d: DeliveryInUse, fs: list[FieldInUse], read) -> str:
    """One delivery's rows: a content hash (for duplicates) and whether any mapped column, and any
    identifying column, holds a value."""
    cols = ", ".join(f"coalesce({_quote(c)}, '')" for c in d.columns) or "''"
    present = [f"{_raw(f.column)} IS NOT NULL" for f in fs]
    identifying = [f"{_raw(f.column)} IS NOT NULL" for f in fs if f.identity]
    return (f"SELECT {ROW_KEY} AS rid, _delivery_id AS delivery_id, _row_number AS row_number, "
            f"{'true' if d.resource is None else 'false'} AS unknown_source, "
            f"md5(concat_ws(chr(31), {cols})) AS content, {' OR '.join(present) or 'false'} AS has_any, "
            f"{' OR '.join(identifying) or 'false'} AS has_identity FROM {read(d.landed_path)}")  # fmt: skip


EMPTY_VALUES = ("SELECT CAST(NULL AS BIGINT) AS rid, CAST(NULL AS INTEGER) AS field, CAST(NULL AS VARCHAR) AS raw "
                "WHERE 1 = 0")  # fmt: skip


def steps(used: list[DeliveryInUse], catalogue: Catalogue, read) -> list[Step]:
    """The conform steps over the deliveries in use. ``read(path)`` is the dialect's Parquet reader.
    ``gov_field`` and ``gov_delivery_in`` (``field_table``, ``delivery_table``) must exist."""
    fs = fields(used, catalogue)
    by_delivery: dict[int, list[FieldInUse]] = {}
    for f in fs:
        by_delivery.setdefault(f.delivery.delivery_id, []).append(f)

    def values(normalised_in_place: bool) -> str:
        selects = []
        for d in used:
            chosen = [f for f in by_delivery.get(d.delivery_id, [])
                      if plain(catalogue.elements[f.element]) == normalised_in_place]  # fmt: skip
            if chosen:
                selects.append(_values_select(d, chosen, read))
        return " UNION ALL ".join(selects) or EMPTY_VALUES

    lookup = [f for f in fs if not plain(catalogue.elements[f.element])]
    rows = [_row_select(d, by_delivery.get(d.delivery_id, []), read) for d in used]
    ingest_bad = [
        f"SELECT _delivery_id AS delivery_id, {lit(d.source)} AS source, _row_number AS row_number, "
        f"CAST(NULL AS VARCHAR) AS column_name, CAST(NULL AS VARCHAR) AS attribute, "
        f"CASE WHEN strpos(reason, ':') > 0 THEN split_part(reason, ':', 1) ELSE reason END AS reason, "
        f"'line ' || CAST(line AS VARCHAR) || ' of ' || file || ': ' || reason AS detail, raw "
        f"FROM {read(d.quarantine_path)}"
        for d in used
        if d.quarantine_path.is_file()
    ]
    return [
        # the landed values are read where they are, twice (distinct values, then joined back): cheaper
        # than writing them once more in a table of their own
        Step("landed values normalised in place", "gov_raw_plain", values(True), view=True),
        Step("landed values normalised by lookup", "gov_raw_lookup", values(False), view=True),
        Step("normal forms", "gov_normal", normal_select(lookup, catalogue)),
        Step("conform values", "gov_value", VALUE_SELECT),
        Step(
            "quarantine rows",
            "gov_row",
            f"""WITH r AS ({" UNION ALL ".join(rows)}),
                     d AS (SELECT *, min(row_number) OVER (PARTITION BY delivery_id, content) AS first_row FROM r)
                SELECT rid, delivery_id,
                       CASE WHEN unknown_source THEN 'source.not_in_catalogue'
                            WHEN first_row < row_number THEN 'duplicate_row'
                            WHEN NOT has_any THEN 'empty_row'
                            WHEN NOT has_identity THEN 'no_identity' END AS quarantine,
                       CASE WHEN first_row < row_number THEN 'same content as row ' || CAST(first_row AS VARCHAR)
                            WHEN unknown_source THEN 'no catalogue resource for this source'
                            WHEN NOT has_any THEN 'no value in any catalogued column'
                            WHEN NOT has_identity THEN 'no value in any identifying column' END AS detail
                FROM d""",
        ),
        Step(
            "quarantine",
            "quarantine",
            " UNION ALL ".join(
                [
                    f"SELECT r.delivery_id, d.source, {keys.row_of('r.rid')} AS row_number, "
                    "CAST(NULL AS VARCHAR) AS column_name, CAST(NULL AS VARCHAR) AS attribute, r.quarantine AS reason, "
                    "r.detail, CAST(NULL AS VARCHAR) AS raw "
                    "FROM gov_row r JOIN gov_delivery_in d USING (delivery_id) WHERE r.quarantine IS NOT NULL",
                    f"SELECT f.delivery_id, f.source, {keys.row_of('v.rid')}, f.column_name, f.attribute, v.reason, "
                    "'value rejected; the row goes on without it', v.raw "
                    "FROM gov_value v JOIN gov_field f USING (field) WHERE v.raw IS NOT NULL AND v.value IS NULL",
                    *ingest_bad,
                ]
            ),
        ),
    ]


def delivery_table(used: list[DeliveryInUse]):
    """``gov_delivery_in`` as a pyarrow table (``RECONCILE`` adds what SQL counts)."""
    import pyarrow as pa

    sid = _source_ids(used)
    return pa.table(
        {
            "delivery_id": pa.array([d.delivery_id for d in used], pa.int64()),
            "sid": pa.array([sid[d.source] for d in used], pa.int32()),
            "source": pa.array([d.source for d in used], pa.string()),
            "prefix": pa.array([_prefix(d) for d in used], pa.string()),
            "event": pa.array([d.event for d in used], pa.bool_()),
            "arrived_at": pa.array([d.arrived_at for d in used], pa.string()),
            "rows_in": pa.array([d.rows_in for d in used], pa.int64()),
            "ingest_quarantined": pa.array([d.rows_quarantined for d in used], pa.int64()),
            "update_cycle": pa.array(
                [d.resource.update_cycle if d.resource else None for d in used], pa.string()
            ),
        }
    )


RECONCILE = Step(
    "reconcile",
    "gov_delivery",
    """SELECT d.delivery_id, d.sid, d.source, d.prefix, d.event, CAST(d.arrived_at AS TIMESTAMPTZ) AS arrived_at,
              dense_rank() OVER (ORDER BY CAST(d.arrived_at AS TIMESTAMPTZ) DESC) AS arrival, d.rows_in,
              coalesce(r.accepted, 0) AS accepted, d.ingest_quarantined + coalesce(r.quarantined, 0) AS quarantined,
              d.update_cycle
       FROM gov_delivery_in d
       LEFT JOIN (SELECT delivery_id, count(*) FILTER (WHERE quarantine IS NULL) AS accepted,
                         count(*) FILTER (WHERE quarantine IS NOT NULL) AS quarantined
                  FROM gov_row GROUP BY delivery_id) r USING (delivery_id)""",
)
